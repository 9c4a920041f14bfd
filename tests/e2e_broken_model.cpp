// One model with a file that does not read hurts only itself: listings show it as broken,
// searches leave it out, reads of other models and the HTTP view answer as before, a read
// of it exits 8 naming the file and line, and writes to it that landed succeed.
#include "support/harness.h"
#include "support/server.h"

#include <regex>

using namespace e2e;
using Json = nlohmann::json;
using Catch::Matchers::Contains;

namespace {

// Models a, b and c with two versions each; then versions/2.yaml of b is broken by hand (a
// YAML syntax error), or b's model.yaml.
struct Fixture {
  Registry reg;
  std::string broken_path;
  explicit Fixture(bool break_model_file) {
    for (const char* name : {"a", "b", "c"}) {
      reg.mreg_json({"model", "create", name, "--description", std::string("model ") + name});
      reg.mreg_json({"register", name, "--source", std::string("s3://x/") + name + "/1"});
      reg.mreg_json({"register", name, "--source", std::string("s3://x/") + name + "/2"});
    }
    broken_path = break_model_file ? "models/b/model.yaml" : "models/b/versions/2.yaml";
    const std::string text = reg.show(broken_path);
    write_file(reg.path() + "/" + broken_path, replace_line(text, "created_by:", "created_by: [unclosed"));
    reg.hand_commit("Break " + broken_path + " by hand");
  }
};

std::vector<std::string> names_of(const Json& list) {
  std::vector<std::string> out;
  for (const auto& m : list) out.push_back(m["name"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("a broken version file: listings show the model as broken, everything else answers", "[broken]") {
  Fixture f(false);
  Registry& reg = f.reg;

  SECTION("model list: a row marked broken, problems in JSON, a warning on stderr, exit 0") {
    Result table = reg.mreg({"model", "list"});
    CHECK_EXIT(table, 0);
    CHECK_THAT(table.out, Contains("BROKEN: models/b/versions/2.yaml:"));
    CHECK_THAT(table.err, Contains("mreg: warning: model 'b' is broken: models/b/versions/2.yaml:"));
    for (const char* name : {"a", "c"}) CHECK(std::regex_search(table.out, std::regex(std::string("\n") + name + " ")));

    Result r = reg.mreg({"model", "list", "-o", "json"});
    CHECK_EXIT(r, 0);
    Json models = json(r)["registered_models"];
    REQUIRE(names_of(models) == std::vector<std::string>{"a", "b", "c"});
    CHECK_FALSE(models[0].contains("problems"));
    CHECK_FALSE(models[2].contains("problems"));
    REQUIRE(models[1]["problems"].size() == 1);
    const Json& p = models[1]["problems"][0];
    CHECK(p["path"] == "models/b/versions/2.yaml");
    CHECK(p["line"].get<int>() >= 1);
    CHECK(p["message"].get<std::string>() != "");
    // What reads of b is there: its description, and version 1 among its latest versions.
    CHECK(models[1]["description"] == "model b");
    REQUIRE(list_field(models[1], "latest_versions").size() == 1);
    CHECK(models[1]["latest_versions"][0]["version"] == "1");
    // The second listing (from the caches) says the same.
    Result again = reg.mreg({"model", "list", "-o", "json"});
    CHECK(json(again) == json(r));
    CHECK_THAT(again.err, Contains("models/b/versions/2.yaml:"));
  }

  SECTION("reads of other models answer; a read of the broken file exits 8 naming file and line") {
    CHECK(reg.mreg_json({"resolve", "models:/a/latest"})["model_version"]["version"] == "2");
    CHECK(reg.mreg_json({"latest", "c"})["model_versions"].size() == 1);
    CHECK(reg.mreg_json({"version", "list", "a"})["model_versions"].size() == 2);
    CHECK(reg.mreg_json({"version", "show", "b", "1"})["model_version"]["source"] == "s3://x/b/1");
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"model", "show", "b"}, std::vector<std::string>{"version", "list", "b"},
          std::vector<std::string>{"resolve", "models:/b/latest"}, std::vector<std::string>{"latest", "b"}}) {
      Result bad = reg.mreg(args);
      CHECK_EXIT(bad, 8);
      CHECK(std::regex_search(bad.err, std::regex("models/b/versions/2\\.yaml:[0-9]+: ")));
    }
    Result check = reg.mreg({"check"});
    CHECK_EXIT(check, 8);
    CHECK_THAT(check.out + check.err, Contains("models/b/versions/2.yaml"));
  }

  SECTION("searches leave the broken model out, say so on stderr, and exit 0") {
    Result models = reg.mreg({"search", "models", "-o", "json"});
    CHECK_EXIT(models, 0);
    CHECK(names_of(json(models)["registered_models"]) == std::vector<std::string>{"a", "c"});
    CHECK_THAT(models.err, Contains("left out of the search: b"));

    Result versions = reg.mreg({"search", "versions", "-o", "json", "--order-by", "name"});
    CHECK_EXIT(versions, 0);
    CHECK(names_of(json(versions)["model_versions"]) == std::vector<std::string>{"a", "a", "c", "c"});
    CHECK_THAT(versions.err, Contains("left out of the search: b"));
    // A filter that cannot match b does not read it, and says nothing.
    Result only_a = reg.mreg({"search", "versions", "name = 'a'", "-o", "json"});
    CHECK_EXIT(only_a, 0);
    CHECK(only_a.err == "");
  }

  SECTION("writes to the broken model that do not touch the broken file land and exit 0") {
    const int before = reg.commit_count();
    Result set = reg.mreg({"model", "tag", "set", "b", "team", "x", "-o", "json"});
    CHECK_EXIT(set, 0);
    Json m = json(set)["registered_model"];
    CHECK(tag_map(m["tags"])["team"] == "x");
    CHECK(m["problems"][0]["path"] == "models/b/versions/2.yaml");
    CHECK_THAT(set.err, Contains("models/b/versions/2.yaml:"));

    CHECK_EXIT(reg.mreg({"model", "update", "b", "--description", "still b"}), 0);
    CHECK_EXIT(reg.mreg({"model", "tag", "delete", "--yes", "b", "team"}), 0);
    CHECK_EXIT(reg.mreg({"version", "tag", "set", "b", "1", "k", "v"}), 0);
    CHECK(reg.commit_count() == before + 4);
    CHECK(scalar_line(reg.show("models/b/model.yaml"), "description") == "still b");
    reg.require_worktree_matches_head();
  }

  SECTION("mreg serve: searches answer 200 without it, its own reads an MLflow error") {
    Server server({"--repo", reg.path()});
    // The status of a GET, and its body.
    auto get = [&](const std::string& path) {
      auto r = server.get(path);
      REQUIRE(r);
      return std::make_pair(r->status, r->body);
    };
    const std::string api = "/api/2.0/mlflow/";
    auto models = get(api + "registered-models/search");
    CHECK(models.first == 200);
    CHECK(names_of(Json::parse(models.second)["registered_models"]) == std::vector<std::string>{"a", "c"});
    auto versions = get(api + "model-versions/search");
    CHECK(versions.first == 200);
    CHECK(Json::parse(versions.second)["model_versions"].size() == 4);

    CHECK(get(api + "registered-models/get?name=a").first == 200);
    CHECK(get(api + "model-versions/get?name=b&version=1").first == 200);
    auto broken = get(api + "registered-models/get?name=b");
    CHECK(broken.first == 500);
    Json e = Json::parse(broken.second);
    CHECK(e["error_code"] == "INVALID_STATE");
    CHECK_THAT(e["message"].get<std::string>(), Contains("models/b/versions/2.yaml:"));
    CHECK(get(api + "model-versions/get?name=b&version=2").first == 500);

    auto home = get("/");
    CHECK(home.first == 200);
    CHECK_THAT(home.second, Contains("Broken: models/b/versions/2.yaml:"));
    CHECK_THAT(home.second, Contains("model a"));
    CHECK(get("/models/a").first == 200);
    auto page_b = get("/models/b");
    CHECK(page_b.first == 500);
    CHECK_THAT(page_b.second, Contains("models/b/versions/2.yaml"));
  }
}

TEST_CASE("a broken model.yaml: the model is listed by its folder's name, with its problem", "[broken]") {
  Fixture f(true);
  Registry& reg = f.reg;
  Result r = reg.mreg({"model", "list", "-o", "json"});
  CHECK_EXIT(r, 0);
  Json models = json(r)["registered_models"];
  REQUIRE(names_of(models) == std::vector<std::string>{"a", "b", "c"});
  CHECK(models[1]["problems"][0]["path"] == "models/b/model.yaml");
  CHECK_FALSE(models[0].contains("problems"));
  CHECK(models[2]["description"] == "model c");

  Result show = reg.mreg({"model", "show", "b"});
  CHECK_EXIT(show, 8);
  CHECK(std::regex_search(show.err, std::regex("models/b/model\\.yaml:[0-9]+: ")));
  // A write that reads the broken file writes nothing.
  const std::string state = reg.state();
  CHECK_EXIT(reg.mreg({"model", "tag", "set", "b", "k", "v"}), 8);
  CHECK(reg.state() == state);
  CHECK(reg.mreg_json({"resolve", "models:/c/1"})["model_version"]["source"] == "s3://x/c/1");
}
