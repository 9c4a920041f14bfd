#include <cctype>

#include "mreg/history.h"
#include "mreg/timefmt.h"

namespace mreg {
namespace {

void put(OrderedJson& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

OrderedJson to_json(const Event& e) {
  OrderedJson j;
  j["commit"] = e.commit;
  j["time"] = format_rfc3339(e.time);
  j["timestamp"] = e.time * 1000;
  j["author"] = e.author;
  j["type"] = e.type;
  put(j, "model", e.model);
  if (e.version) j["version"] = std::to_string(e.version);
  put(j, "from", e.from);
  put(j, "to", e.to);
  put(j, "alias", e.alias);
  put(j, "key", e.key);
  if (e.type == "approved") put(j, "approver", e.key);
  put(j, "value", e.value);
  put(j, "comment", e.comment);
  put(j, "request", e.request);
  put(j, "path", e.path);
  if (!e.fields.empty()) j["fields"] = e.fields;
  return j;
}

OrderedJson to_json(const StageInterval& i) {
  OrderedJson j;
  j["stage"] = i.stage;
  j["version"] = std::to_string(i.version);
  j["since"] = format_rfc3339(i.since);
  j["until"] = i.until ? OrderedJson(format_rfc3339(*i.until)) : OrderedJson(nullptr);
  j["since_commit"] = i.since_commit;
  j["until_commit"] = i.until_commit.empty() ? OrderedJson(nullptr) : OrderedJson(i.until_commit);
  return j;
}

std::vector<OrderedJson> webhook_payloads(const Event& e) {
  auto payload = [&](const std::string& event) {
    OrderedJson j;
    j["event"] = event;
    j["webhook_id"] = "mreg";
    j["event_timestamp"] = e.time * 1000;
    j["model_name"] = e.model;
    if (e.version) j["version"] = std::to_string(e.version);
    return j;
  };
  std::vector<OrderedJson> out;
  const bool moved = e.type == "transitioned" || e.type == "archived" || (e.type == "edited" && !e.to.empty() && e.from != e.to && !e.from.empty());
  if (e.type == "model_created") {
    out.push_back(payload("REGISTERED_MODEL_CREATED"));
  } else if (e.type == "registered" || (e.type == "edited" && e.version && !e.fields.empty() && e.fields.front() == "(added)")) {
    out.push_back(payload("MODEL_VERSION_CREATED"));
  } else if (moved) {
    for (const std::string& name : {std::string("MODEL_VERSION_TRANSITIONED_STAGE"),
                                   "MODEL_VERSION_TRANSITIONED_TO_" + upper(e.to)}) {
      if (name != "MODEL_VERSION_TRANSITIONED_STAGE" && name != "MODEL_VERSION_TRANSITIONED_TO_STAGING" &&
          name != "MODEL_VERSION_TRANSITIONED_TO_PRODUCTION" && name != "MODEL_VERSION_TRANSITIONED_TO_ARCHIVED")
        continue;
      OrderedJson j = payload(name);
      j["from_stage"] = e.from;
      j["to_stage"] = e.to;
      if (!e.comment.empty()) j["text"] = e.comment;
      out.push_back(j);
    }
  } else if (e.type == "version_tag_set") {
    OrderedJson j = payload("MODEL_VERSION_TAG_SET");
    j["tags"] = OrderedJson::array({{{"key", e.key}, {"value", e.value}}});
    out.push_back(j);
  } else if (e.type == "commented") {
    OrderedJson j = payload("COMMENT_CREATED");
    j["text"] = e.comment;
    out.push_back(j);
  } else if (e.type == "alias_set" || e.type == "alias_deleted") {
    OrderedJson j = payload(e.type == "alias_set" ? "MODEL_VERSION_ALIAS_SET" : "MODEL_VERSION_ALIAS_DELETED");
    j["alias"] = e.alias;
    out.push_back(j);
  } else if (e.type == "requested") {
    OrderedJson j = payload("TRANSITION_REQUEST_CREATED");
    if (!e.to.empty()) j["to_stage"] = e.to;
    if (!e.comment.empty()) j["text"] = e.comment;
    out.push_back(j);
  }
  for (auto& j : out) j["commit"] = e.commit;
  return out;
}

}  // namespace mreg
