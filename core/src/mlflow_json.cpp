#include "mreg/mlflow_json.h"

namespace mreg {
namespace {

std::int64_t ms(Timestamp t) { return t * 1000; }

void put_if(OrderedJson& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

OrderedJson tag_list(const TagMap& tags) {
  OrderedJson arr = OrderedJson::array();
  for (const auto& [k, v] : tags) arr.push_back({{"key", k}, {"value", v}});
  return arr;
}

}  // namespace

OrderedJson to_mlflow_json(const ModelVersion& v, const JsonOptions& opts) {
  OrderedJson j;
  j["name"] = v.name;
  j["version"] = std::to_string(v.version);
  j["creation_timestamp"] = ms(v.created_at);
  j["last_updated_timestamp"] = ms(v.updated_at);
  put_if(j, "user_id", v.created_by);
  j["current_stage"] = v.stage;
  put_if(j, "description", v.description);
  put_if(j, "source", v.source);
  put_if(j, "run_id", v.run_id);
  j["status"] = v.status;
  put_if(j, "status_message", v.status_message);
  if (!v.tags.empty()) j["tags"] = tag_list(v.tags);
  put_if(j, "run_link", v.run_link);
  if (!v.aliases.empty()) j["aliases"] = v.aliases;
  if (opts.lineage) {
    put_if(j, "experiment_id", v.experiment_id);
    put_if(j, "digest", v.digest);
    if (!v.flavors.empty()) j["flavors"] = v.flavors;
    if (v.signature.is_object()) j["signature"] = OrderedJson::parse(v.signature.dump());
    put_if(j, "stage_request", v.stage_request);
  }
  return j;
}

OrderedJson to_mlflow_json(const RegisteredModel& m, const std::vector<ModelVersion>& latest_versions,
                           const JsonOptions& opts) {
  OrderedJson j;
  j["name"] = m.name;
  j["creation_timestamp"] = ms(m.created_at);
  j["last_updated_timestamp"] = ms(m.updated_at);
  put_if(j, "user_id", m.created_by);
  put_if(j, "description", m.description);
  if (!latest_versions.empty()) {
    OrderedJson arr = OrderedJson::array();
    for (const auto& v : latest_versions) arr.push_back(to_mlflow_json(v, opts));
    j["latest_versions"] = arr;
  }
  if (!m.tags.empty()) j["tags"] = tag_list(m.tags);
  if (!m.aliases.empty()) {
    OrderedJson arr = OrderedJson::array();
    for (const auto& [alias, version] : m.aliases)
      arr.push_back({{"alias", alias}, {"version", std::to_string(version)}});
    j["aliases"] = arr;
  }
  return j;
}

OrderedJson to_mlflow_json(const ModelSummary& s, const JsonOptions& opts) {
  return to_mlflow_json(s.model, s.latest_versions, opts);
}

}  // namespace mreg
