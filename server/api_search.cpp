#include "api_search.h"

#include <algorithm>
#include <regex>

#include "mreg/names.h"
#include "page_token.h"
#include "search_filter.h"

namespace mreg::server {
namespace {

const JsonOptions kMlflowFields{false};

struct SortKey {
  std::string key;
  bool descending = false;
};

// "key [ASC|DESC]" items; keys may be `backquoted`. `aliases` maps accepted spellings to keys.
std::vector<SortKey> parse_order_by(const std::vector<std::string>& items,
                                    const std::vector<std::pair<std::string, std::string>>& aliases) {
  static const std::regex item_re("^\\s*`?([A-Za-z_.]+)`?(?:\\s+(ASC|DESC|asc|desc))?\\s*$");
  std::vector<SortKey> keys;
  for (const auto& item : items) {
    std::smatch m;
    std::string key;
    if (std::regex_match(item, m, item_re))
      for (const auto& [spelling, canonical] : aliases)
        if (fold_case(m[1].str()) == spelling) key = canonical;
    if (key.empty()) {
      std::string valid;
      for (const auto& a : aliases) valid += (valid.empty() ? "" : ", ") + a.first;
      throw_invalid("Invalid order_by clause '" + item + "'. Valid keys are " + valid + ", each optionally followed by ASC or DESC");
    }
    keys.push_back({key, fold_case(m[2].str()) == "desc"});
  }
  return keys;
}

// Compares two items on the keys in turn; `field` gives an item's value of a key as a number or text.
template <class T, class Field>
bool sorts_before(const T& a, const T& b, const std::vector<SortKey>& keys, Field field) {
  for (const auto& k : keys) {
    auto fa = field(a, k.key), fb = field(b, k.key);
    if (fa == fb) continue;
    return k.descending ? fb < fa : fa < fb;
  }
  return false;
}

using FieldValue = std::pair<std::int64_t, std::string>;

bool is_model_name(const std::string& name) {
  try {
    check_model_name(name);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// One page of `items` from the token's offset, as {list_key: [...], next_page_token}.
template <class T, class ToJson>
OrderedJson page(const std::vector<T>& items, const ApiParams& p, std::int64_t max_results, const char* list_key,
                 ToJson to_json) {
  const std::size_t offset = decode_page_token(p.get("page_token"));
  const std::size_t end = std::min(items.size(), offset + static_cast<std::size_t>(max_results));
  OrderedJson j = OrderedJson::object();
  for (std::size_t i = offset; i < end; ++i) j[list_key].push_back(to_json(items[i]));
  if (end < items.size()) j["next_page_token"] = encode_page_token(end);
  return j;
}

}  // namespace

OrderedJson search_registered_models(const Snapshot& s, const ApiParams& p) {
  const std::int64_t max_results = p.max_results(100, 1000);
  const ModelFilter matches = parse_model_filter(p.get("filter").value_or(""));
  auto keys = parse_order_by(p.all("order_by"), {{"name", "name"},
                                                 {"timestamp", "last_updated_timestamp"},
                                                 {"last_updated_timestamp", "last_updated_timestamp"},
                                                 {"creation_timestamp", "creation_timestamp"}});
  keys.push_back({"name", false});  // MLflow's tie-breaker

  std::vector<ModelSummary> models;
  for (auto& m : s.list_registered_models())
    if (matches(m.model)) models.push_back(std::move(m));
  std::stable_sort(models.begin(), models.end(), [&](const ModelSummary& a, const ModelSummary& b) {
    return sorts_before(a, b, keys, [](const ModelSummary& m, const std::string& key) -> FieldValue {
      if (key == "last_updated_timestamp") return {m.model.updated_at, ""};
      if (key == "creation_timestamp") return {m.model.created_at, ""};
      return {0, m.model.name};
    });
  });
  return page(models, p, max_results, "registered_models",
              [](const ModelSummary& m) { return to_mlflow_json(m, kMlflowFields); });
}

OrderedJson search_model_versions(const Snapshot& s, const ApiParams& p) {
  const std::int64_t max_results = p.max_results(200000, 200000);
  const std::string filter = p.get("filter").value_or("");
  const VersionFilter matches = parse_version_filter(filter);
  auto keys = parse_order_by(p.all("order_by"), {{"name", "name"},
                                                 {"version_number", "version_number"},
                                                 {"timestamp", "last_updated_timestamp"},
                                                 {"last_updated_timestamp", "last_updated_timestamp"},
                                                 {"creation_timestamp", "creation_timestamp"}});
  // MLflow's order when none is asked for, and its tie-breakers.
  if (keys.empty()) keys.push_back({"last_updated_timestamp", true});
  keys.push_back({"name", false});
  keys.push_back({"version_number", true});

  // name = 'X' reads one model; a model that does not exist matches nothing, as in MLflow.
  const std::string pinned = pinned_model_name(filter);
  std::vector<std::string> names;
  if (!pinned.empty()) {
    if (is_model_name(pinned) && s.has_model(pinned)) names.push_back(pinned);
  } else {
    names = s.model_names();
  }
  std::vector<ModelVersion> versions;
  for (const auto& name : names)
    for (auto& v : s.get_model_versions(name))
      if (matches(v)) versions.push_back(std::move(v));
  std::stable_sort(versions.begin(), versions.end(), [&](const ModelVersion& a, const ModelVersion& b) {
    return sorts_before(a, b, keys, [](const ModelVersion& v, const std::string& key) -> FieldValue {
      if (key == "last_updated_timestamp") return {v.updated_at, ""};
      if (key == "creation_timestamp") return {v.created_at, ""};
      if (key == "version_number") return {v.version, ""};
      return {0, v.name};
    });
  });
  return page(versions, p, max_results, "model_versions",
              [](const ModelVersion& v) { return to_mlflow_json(v, kMlflowFields); });
}

}  // namespace mreg::server
