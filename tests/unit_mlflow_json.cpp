// The text writer of MLflow's JSON (append_mlflow_json, what long listings print)
// writes exactly what the JSON tree of to_mlflow_json dumps, on random values
// with every kind of character a manifest can hold.
#include <catch2/catch.hpp>

#include <random>

#include "mreg/mlflow_json.h"

using namespace mreg;

namespace {

std::string random_text(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {
      "", "a", "model-00042", " ", "\"", "\\", "/", "\n", "\r\n", "\t", "\b", "\f", std::string(1, '\0'),
      "\x01", "\x1f", "\x7f", "é", "Åsa", "模型", "🙂", "</script>", "{\"x\": 1}", "12.5", "null"};
  std::string s;
  const int n = std::uniform_int_distribution<int>(0, 4)(rng);
  for (int i = 0; i < n; ++i) s += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
  return s;
}

TagMap random_tags(std::mt19937& rng) {
  TagMap tags;
  const int n = std::uniform_int_distribution<int>(0, 3)(rng);
  for (int i = 0; i < n; ++i) tags[random_text(rng) + std::to_string(i)] = random_text(rng);
  return tags;
}

ModelVersion random_version(std::mt19937& rng, const std::string& name) {
  ModelVersion v;
  v.name = name;
  v.version = std::uniform_int_distribution<std::int64_t>(1, 1000000)(rng);
  v.stage = random_text(rng);
  v.stage_request = random_text(rng);
  v.description = random_text(rng);
  v.source = random_text(rng);
  v.run_id = random_text(rng);
  v.run_link = random_text(rng);
  v.experiment_id = random_text(rng);
  v.digest = random_text(rng);
  for (int i = std::uniform_int_distribution<int>(0, 2)(rng); i > 0; --i) v.flavors.push_back(random_text(rng));
  if (std::uniform_int_distribution<int>(0, 2)(rng) == 0)
    v.signature = Json{{"inputs", random_text(rng)}, {"params", {{"n", 3}, {"x", 0.1}, {"list", {1, 2.5, "z"}}}},
                       {"empty", Json::object()}, {"none", nullptr}};
  v.status = random_text(rng);
  v.status_message = random_text(rng);
  v.created_at = std::uniform_int_distribution<std::int64_t>(0, 4000000000)(rng);
  v.updated_at = v.created_at + 5;
  v.created_by = random_text(rng);
  v.tags = random_tags(rng);
  for (int i = std::uniform_int_distribution<int>(0, 2)(rng); i > 0; --i) v.aliases.push_back(random_text(rng));
  return v;
}

ModelSummary random_summary(std::mt19937& rng) {
  ModelSummary s;
  s.model.name = random_text(rng) + "m";
  s.model.description = random_text(rng);
  s.model.created_at = std::uniform_int_distribution<std::int64_t>(0, 4000000000)(rng);
  s.model.updated_at = s.model.created_at;
  s.model.created_by = random_text(rng);
  s.model.tags = random_tags(rng);
  for (int i = std::uniform_int_distribution<int>(0, 2)(rng); i > 0; --i)
    s.model.aliases[random_text(rng) + "a"] = std::uniform_int_distribution<std::int64_t>(1, 99)(rng);
  for (int i = std::uniform_int_distribution<int>(0, 3)(rng); i > 0; --i)
    s.latest_versions.push_back(random_version(rng, s.model.name));
  return s;
}

// x as it stands two levels deep in {"items": [x]}: the place a listing prints it in.
template <typename T>
std::string nested_text(const T& x, const JsonOptions& opts) {
  std::string text = "{\n  \"items\": [\n    ";
  append_mlflow_json(text, x, 2, opts);
  return text + "\n  ]\n}";
}

std::string nested_tree(const OrderedJson& x) {
  OrderedJson whole = OrderedJson::object();
  whole["items"] = OrderedJson::array();
  whole["items"].push_back(x);
  return whole.dump(2);
}

}  // namespace

TEST_CASE("the JSON text writer writes what the JSON tree dumps", "[json]") {
  std::mt19937 rng(11);
  for (int i = 0; i < 400; ++i) {
    const ModelSummary s = random_summary(rng);
    const JsonOptions opts{i % 3 != 0};
    const OrderedJson tree = to_mlflow_json(s, opts);
    std::string text;
    append_mlflow_json(text, s, 0, opts);
    REQUIRE(text == tree.dump(2));
    REQUIRE(nested_text(s, opts) == nested_tree(tree));

    const ModelVersion v = random_version(rng, s.model.name);
    std::string vtext;
    append_mlflow_json(vtext, v, 0, opts);
    REQUIRE(vtext == to_mlflow_json(v, opts).dump(2));
    REQUIRE(nested_text(v, opts) == nested_tree(to_mlflow_json(v, opts)));
  }
}

TEST_CASE("the JSON text writer refuses text that is not UTF-8, as the tree does", "[json]") {
  ModelSummary s;
  s.model.name = "m";
  s.model.description = "bad \xff byte";
  std::string text;
  CHECK_THROWS_AS(to_mlflow_json(s).dump(2), nlohmann::json::type_error);
  CHECK_THROWS_AS(append_mlflow_json(text, s, 0), nlohmann::json::type_error);
}

TEST_CASE("one version's compact text is what the API's JSON tree dumps", "[json]") {
  std::mt19937 rng(12);
  for (int i = 0; i < 400; ++i) {
    const ModelVersion v = random_version(rng, random_text(rng) + "m");
    const JsonOptions opts{i % 3 == 0, i % 2 == 0};
    const OrderedJson tree{{"model_version", to_mlflow_json(v, opts)}};
    REQUIRE(mlflow_json_compact("model_version", v, opts) ==
            tree.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
    if (opts.server_empty_strings)  // MLflow's server sends these three even when empty
      for (const char* key : {"description", "run_id", "run_link"}) REQUIRE(tree["model_version"].contains(key));
  }
}

TEST_CASE("the compact text replaces text that is not UTF-8, as the API's dump does", "[json]") {
  ModelVersion v;
  v.name = "m";
  v.version = 3;
  v.description = "bad \xff byte";
  const std::string text = mlflow_json_compact("model_version", v);
  CHECK(text.find("bad \xef\xbf\xbd byte") != std::string::npos);
  CHECK(text == OrderedJson{{"model_version", to_mlflow_json(v)}}.dump(-1, ' ', false,
                                                                       OrderedJson::error_handler_t::replace));
}
