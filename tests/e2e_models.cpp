// `mreg init` and the registered-model commands, checked through the CLI and with plain git.
#include "support/harness.h"

#include <filesystem>
#include <regex>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

const Json kDefaultStages = Json::array({"None", "Staging", "Production", "Archived"});

// Checks the commit that `mreg init` made at HEAD of repo (docs/FORMAT.md: Mreg-Op: init and
// Mreg-Registry: ID).
void check_init_commit(const std::string& repo, const std::string& id) {
  std::string message = git_ok({"log", "-1", "--format=%B"}, repo);
  INFO("init commit message:\n" << message);
  auto ls = lines(message);
  REQUIRE(ls.size() >= 3);
  CHECK(trim(ls[0]) != "");
  CHECK(ls[1] == "");
  auto t = trailers(repo, "HEAD");
  REQUIRE(t.count("Mreg-Op") == 1);
  CHECK(t.find("Mreg-Op")->second == "init");
  REQUIRE(t.count("Mreg-Registry") == 1);
  CHECK(t.find("Mreg-Registry")->second == id);
}

// mreg.yaml at HEAD: format 1, the registry id, the stages.
void check_mreg_yaml(const std::string& repo, const std::string& id, const Json& stages) {
  Result shown = git({"show", "HEAD:mreg.yaml"}, repo);
  REQUIRE_EXIT(shown, 0);
  Json y = yaml_to_json(shown.out);
  INFO("mreg.yaml:\n" << shown.out);
  CHECK(y["format"] == 1);
  CHECK(y["registry"] == id);
  CHECK(y["stages"] == stages);
}

// Every key of an MLflow entity is snake_case.
void check_snake_case(const Json& obj) {
  static const std::regex snake("^[a-z][a-z0-9_]*$");
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    INFO("key " << it.key());
    CHECK(std::regex_match(it.key(), snake));
  }
}

}  // namespace

TEST_CASE("init makes a new folder a registry with one commit", "[init]") {
  TempDir d;
  std::string folder = d / "new-registry";
  std::filesystem::create_directories(folder);

  SECTION("with a work tree") {
    Result r = mreg({"init", "--registry", "acme/model-registry", "-o", "json"}, folder);
    REQUIRE_EXIT(r, 0);
    Json j = json(r);
    CHECK(j["registry"] == "acme/model-registry");
    CHECK(j["commit"] == git_ok({"rev-parse", "HEAD"}, folder));
    CHECK(git_ok({"rev-parse", "--is-bare-repository"}, folder) == "false");
    CHECK(git_ok({"rev-parse", "--show-toplevel"}, folder) == folder);
    CHECK(git_ok({"rev-list", "--count", "HEAD"}, folder) == "1");
    check_mreg_yaml(folder, "acme/model-registry", kDefaultStages);
    check_init_commit(folder, "acme/model-registry");
    // The work tree has what HEAD has.
    CHECK(git_ok({"status", "--porcelain", "--untracked-files=all"}, folder) == "");
    CHECK(read_file(folder + "/mreg.yaml") == git_ok({"show", "HEAD:mreg.yaml"}, folder) + "\n");
  }

  SECTION("--bare") {
    Result r = mreg({"init", "--bare", "--registry", "acme/bare", "-o", "json"}, folder);
    REQUIRE_EXIT(r, 0);
    CHECK(json(r)["registry"] == "acme/bare");
    CHECK(git_ok({"rev-parse", "--is-bare-repository"}, folder) == "true");
    CHECK(git_ok({"rev-list", "--count", "HEAD"}, folder) == "1");
    CHECK_FALSE(std::filesystem::exists(folder + "/mreg.yaml"));
    check_mreg_yaml(folder, "acme/bare", kDefaultStages);
    check_init_commit(folder, "acme/bare");
  }

  SECTION("--stages keeps the given order") {
    Result r = mreg({"init", "--repo", folder, "--stages", "None,Dev,Prod,Archived"});
    REQUIRE_EXIT(r, 0);
    Result shown = git({"show", "HEAD:mreg.yaml"}, folder);
    REQUIRE_EXIT(shown, 0);
    Json y = yaml_to_json(shown.out);
    CHECK(y["stages"] == Json::array({"None", "Dev", "Prod", "Archived"}));
    CHECK(y["registry"].is_string());
    CHECK(y["registry"] != "");
  }
}

TEST_CASE("init in a repository with commits adds exactly one commit", "[init]") {
  TempDir d;
  std::string repo = d / "project";
  git_ok({"init", "-q", repo}, d.path());
  write_file(repo + "/README.md", "# A project\n");
  git_ok({"add", "README.md"}, repo);
  git_ok({"commit", "-q", "-m", "First"}, repo);
  write_file(repo + "/src/train.py", "print('train')\n");
  git_ok({"add", "src/train.py"}, repo);
  git_ok({"commit", "-q", "-m", "Second"}, repo);
  std::string before = git_ok({"rev-parse", "HEAD"}, repo);

  Result r = mreg({"init", "--repo", repo, "-o", "json"});
  REQUIRE_EXIT(r, 0);
  Json j = json(r);
  REQUIRE(j["registry"].is_string());
  CHECK(j["registry"] != "");
  CHECK(j["commit"] == git_ok({"rev-parse", "HEAD"}, repo));

  CHECK(git_ok({"rev-list", "--count", "HEAD"}, repo) == "3");
  CHECK(git_ok({"rev-parse", "HEAD~1"}, repo) == before);
  // Only mreg.yaml was added; the project's files are as they were.
  CHECK(git_ok({"diff", "--name-status", "HEAD~1", "HEAD"}, repo) == "A\tmreg.yaml");
  CHECK(git_ok({"show", "HEAD:README.md"}, repo) == "# A project");
  check_mreg_yaml(repo, j["registry"].get<std::string>(), kDefaultStages);
  check_init_commit(repo, j["registry"].get<std::string>());
  CHECK(git_ok({"status", "--porcelain", "--untracked-files=all"}, repo) == "");

  SECTION("a second init is refused and writes nothing") {
    std::string head = git_ok({"rev-parse", "HEAD"}, repo);
    Result again = mreg({"init", "--repo", repo});
    INFO(describe(again));
    REQUIRE(again.status != 0);
    CHECK(again.status == 5);
    CHECK(git_ok({"rev-parse", "HEAD"}, repo) == head);
  }
}

TEST_CASE("model create records description, tags, creator and times", "[model]") {
  Registry reg;
  int64_t before = now_ms();
  Json j = reg.mreg_json({"model", "create", "power-forecast", "--description",
                          "Forecasts the \"daily\" power output, in MWh", "--tag", "team=energy",
                          "--tag", "formula=a=b"});
  int64_t after = now_ms();
  Json m = j.at("registered_model");
  check_snake_case(m);
  CHECK(m["name"] == "power-forecast");
  CHECK(m["description"] == "Forecasts the \"daily\" power output, in MWh");
  CHECK(tag_map(m["tags"]) ==
        std::map<std::string, std::string>{{"team", "energy"}, {"formula", "a=b"}});
  CHECK(m["user_id"] == kIdentity);
  CHECK(list_field(m, "latest_versions").empty());
  REQUIRE(m["creation_timestamp"].is_number_integer());
  int64_t created = m["creation_timestamp"].get<int64_t>();
  // Milliseconds since the epoch (the file keeps whole seconds).
  CHECK(created >= before - 1000);
  CHECK(created <= after + 1000);
  CHECK(m["last_updated_timestamp"] == created);

  std::string file = reg.show("models/power-forecast/model.yaml");
  INFO("model.yaml:\n" << file);
  CHECK(line_of(file, "name: power-forecast") == 1);
  CHECK(rfc3339_ms(scalar_line(file, "created_at")) == created);
  CHECK(scalar_line(file, "created_by") == kIdentity);
  reg.check_commit("HEAD", "create-model", "power-forecast");

  SECTION("show returns the same model") {
    Json shown = reg.mreg_json({"model", "show", "power-forecast"});
    CHECK(shown["registered_model"] == m);
  }
  SECTION("a second create with the same name is refused") {
    std::string state = reg.state();
    Result r = reg.mreg({"model", "create", "power-forecast"});
    CHECK_EXIT(r, 5);
    CHECK(reg.state() == state);
  }
}

TEST_CASE("model list shows every model by name with its latest version per stage", "[model]") {
  Registry reg;
  reg.mreg_json({"model", "create", "gamma"});
  reg.mreg_json({"model", "create", "alpha", "--description", "first by name"});
  reg.mreg_json({"model", "create", "beta"});
  for (int i = 1; i <= 3; ++i)
    reg.mreg_json({"register", "alpha", "--source", "s3://bucket/alpha/" + std::to_string(i)});
  // Move version 1 to Staging with a hand edit committed with plain git.
  std::string v1 = reg.show("models/alpha/versions/1.yaml");
  write_file(reg.path() + "/models/alpha/versions/1.yaml", replace_line(v1, "stage:", "stage: Staging"));
  reg.hand_commit("Move alpha v1 to Staging by hand");

  Json j = reg.mreg_json({"model", "list"});
  REQUIRE(j.contains("registered_models"));
  Json models = j["registered_models"];
  REQUIRE(models.size() == 3);
  CHECK(models[0]["name"] == "alpha");
  CHECK(models[1]["name"] == "beta");
  CHECK(models[2]["name"] == "gamma");
  for (const auto& m : models) {
    check_snake_case(m);
    CHECK(m["creation_timestamp"].is_number_integer());
    CHECK(m["last_updated_timestamp"].is_number_integer());
    CHECK(m["creation_timestamp"].get<int64_t>() > 1000000000000);  // ms, not s
    CHECK(m["user_id"] == kIdentity);
  }
  CHECK(models[0]["description"] == "first by name");

  std::map<std::string, std::string> latest;  // stage -> version
  for (const auto& v : list_field(models[0], "latest_versions")) {
    CHECK(v["name"] == "alpha");
    REQUIRE(v["version"].is_string());
    CHECK(latest.count(v["current_stage"].get<std::string>()) == 0);
    latest[v["current_stage"].get<std::string>()] = v["version"].get<std::string>();
  }
  CHECK(latest == std::map<std::string, std::string>{{"None", "3"}, {"Staging", "1"}});
  CHECK(list_field(models[1], "latest_versions").empty());
  CHECK(list_field(models[2], "latest_versions").empty());
}

TEST_CASE("model update and model tags", "[model]") {
  Registry reg;
  Json created = reg.mreg_json({"model", "create", "m", "--description", "one"})["registered_model"];

  SECTION("update sets the description") {
    Json m = reg.mreg_json({"model", "update", "m", "--description", "two, with more words"})
                 ["registered_model"];
    CHECK(m["description"] == "two, with more words");
    CHECK(m["last_updated_timestamp"].get<int64_t>() >= created["creation_timestamp"].get<int64_t>());
    CHECK(m["creation_timestamp"] == created["creation_timestamp"]);
    reg.check_commit("HEAD", "update-model", "m");
    CHECK(reg.mreg_json({"model", "show", "m"})["registered_model"]["description"] ==
          "two, with more words");
  }

  SECTION("tag set adds and replaces, tag delete removes") {
    Json m = reg.mreg_json({"model", "tag", "set", "m", "team", "energy"})["registered_model"];
    CHECK(tag_map(m["tags"]) == std::map<std::string, std::string>{{"team", "energy"}});
    reg.check_commit("HEAD", "set-tag", "m");

    m = reg.mreg_json({"model", "tag", "set", "m", "team", "wind and solar"})["registered_model"];
    CHECK(tag_map(m["tags"]) == std::map<std::string, std::string>{{"team", "wind and solar"}});
    m = reg.mreg_json({"model", "tag", "set", "m", "owner key", "x=y: z"})["registered_model"];
    CHECK(tag_map(m["tags"]).size() == 2);

    m = reg.mreg_json({"model", "tag", "delete", "--yes", "m", "team"})["registered_model"];
    CHECK(tag_map(m["tags"]) == std::map<std::string, std::string>{{"owner key", "x=y: z"}});
    reg.check_commit("HEAD", "delete-tag", "m");
    CHECK(tag_map(reg.mreg_json({"model", "show", "m"})["registered_model"]["tags"]) ==
          std::map<std::string, std::string>{{"owner key", "x=y: z"}});
  }

  SECTION("-q prints nothing") {
    Result r = reg.mreg({"model", "tag", "set", "m", "k", "v", "-q"});
    REQUIRE_EXIT(r, 0);
    CHECK(r.out == "");
    CHECK(tag_map(reg.mreg_json({"model", "show", "m"})["registered_model"]["tags"])["k"] == "v");
  }
}

TEST_CASE("model rename moves the model and its versions in one commit", "[model]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m", "--description", "kept", "--tag", "team=energy"});
  reg.mreg_json({"register", "m", "--source", "s3://bucket/m/1"});
  reg.mreg_json({"register", "m", "--source", "s3://bucket/m/2"});
  reg.mreg_json({"version", "tag", "set", "m", "1", "val_mae", "412.7"});
  int commits = reg.commit_count();

  Json m = reg.mreg_json({"model", "rename", "m", "wind-forecast"})["registered_model"];
  CHECK(m["name"] == "wind-forecast");
  CHECK(m["description"] == "kept");
  CHECK(tag_map(m["tags"]) == std::map<std::string, std::string>{{"team", "energy"}});
  CHECK(reg.commit_count() == commits + 1);
  reg.check_commit("HEAD", "rename-model", "wind-forecast");
  CHECK(trailer(reg.path(), "HEAD", "Mreg-From") == "m");
  CHECK(trailer(reg.path(), "HEAD", "Mreg-To") == "wind-forecast");

  CHECK_EXIT(reg.mreg({"model", "show", "m"}), 4);
  Json versions = reg.mreg_json({"version", "list", "wind-forecast"})["model_versions"];
  REQUIRE(versions.size() == 2);
  CHECK(versions[0]["version"] == "2");
  CHECK(versions[1]["version"] == "1");
  for (const auto& v : versions) CHECK(v["name"] == "wind-forecast");
  Json v1 = reg.mreg_json({"version", "show", "wind-forecast", "1"})["model_version"];
  CHECK(v1["source"] == "s3://bucket/m/1");
  CHECK(tag_map(v1["tags"]) == std::map<std::string, std::string>{{"val_mae", "412.7"}});

  // The files moved in git.
  auto files = reg.files();
  auto has = [&](const std::string& f) {
    return std::find(files.begin(), files.end(), f) != files.end();
  };
  CHECK(has("models/wind-forecast/model.yaml"));
  CHECK(has("models/wind-forecast/versions/1.yaml"));
  CHECK(has("models/wind-forecast/versions/2.yaml"));
  for (const auto& f : files) CHECK(f.rfind("models/m/", 0) != 0);
  CHECK(scalar_line(reg.show("models/wind-forecast/versions/1.yaml"), "name") == "wind-forecast");
  CHECK(scalar_line(reg.show("models/wind-forecast/model.yaml"), "name") == "wind-forecast");
  reg.require_worktree_matches_head();
  CHECK_FALSE(std::filesystem::exists(reg.path() + "/models/m"));

  // Numbering goes on where it was.
  CHECK(reg.mreg_json({"register", "wind-forecast", "--source", "s3://bucket/m/3"})
            ["model_version"]["version"] == "3");
}

TEST_CASE("model delete removes the model and all its versions", "[model]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  reg.mreg_json({"register", "m", "--source", "s3://bucket/m/1"});
  reg.mreg_json({"register", "m", "--source", "s3://bucket/m/2"});
  reg.mreg_json({"model", "create", "other"});

  Json j = reg.mreg_json({"model", "delete", "--yes", "m"});
  CHECK(j == Json::object());
  reg.check_commit("HEAD", "delete-model", "m");

  CHECK_EXIT(reg.mreg({"model", "show", "m"}), 4);
  CHECK_EXIT(reg.mreg({"version", "show", "m", "1"}), 4);
  Json models = reg.mreg_json({"model", "list"})["registered_models"];
  REQUIRE(models.size() == 1);
  CHECK(models[0]["name"] == "other");
  for (const auto& f : reg.files()) CHECK(f.rfind("models/m/", 0) != 0);
  reg.require_worktree_matches_head();
  CHECK_FALSE(std::filesystem::exists(reg.path() + "/models/m"));

  SECTION("a model made again with the name numbers its versions from 1") {
    reg.mreg_json({"model", "create", "m"});
    CHECK(reg.mreg_json({"register", "m", "--source", "s3://bucket/m/again"})
              ["model_version"]["version"] == "1");
    // The tag made for the old version 1 stays where it was.
    CHECK(reg.git_ok({"tag", "-l", "m@v1"}) == "m@v1");
  }
}

TEST_CASE("output formats table, json and yaml carry the same content", "[model][output]") {
  Registry reg;
  reg.mreg_json({"model", "create", "wind-forecast", "--description", "Predicts wind power",
                 "--tag", "team=energy"});
  reg.mreg_json({"register", "wind-forecast", "--source", "s3://bucket/wind/one", "--run-id",
                 "0123456789abcdef0123456789abcdef", "--tag", "val_mae=412.7"});
  reg.mreg_json({"register", "wind-forecast", "--source", "s3://bucket/wind/two"});

  const std::vector<std::vector<std::string>> commands = {
      {"model", "list"},
      {"model", "show", "wind-forecast"},
      {"version", "list", "wind-forecast"},
      {"version", "show", "wind-forecast", "1"},
  };
  for (const auto& cmd : commands) {
    std::string name;
    for (const auto& a : cmd) name += a + " ";
    INFO("mreg " << name);
    Json j = reg.mreg_json(cmd);

    auto with = [&](const std::string& format) {
      auto args = cmd;
      args.push_back("-o");
      args.push_back(format);
      Result r = reg.mreg(args);
      REQUIRE_EXIT(r, 0);
      return r;
    };
    Result yaml = with("yaml");
    CHECK(yaml_to_json(yaml.out) == j);

    Result table = with("table");
    CHECK(table.out != "");
    Result plain = reg.mreg(cmd);
    REQUIRE_EXIT(plain, 0);
    CHECK(plain.out == table.out);  // table is the default
    if (cmd[0] == "model") CHECK_THAT(table.out, Contains("wind-forecast"));
    if (cmd.size() == 4) CHECK_THAT(table.out, Contains("s3://bucket/wind/one"));
  }
}

TEST_CASE("options every command takes may come before the command", "[options]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  Result r = mreg({"--repo", reg.path(), "-o", "json", "model", "list"});
  REQUIRE_EXIT(r, 0);
  CHECK(json(r)["registered_models"][0]["name"] == "m");
}

TEST_CASE("a model whose name extends another's is found, and listing is by name", "[models]") {
  // git sorts the folder "power-forecast" after "power-forecast-baseline" ('/' > '-').
  Registry reg;
  reg.mreg_json({"model", "create", "power-forecast"});
  reg.mreg_json({"model", "create", "power-forecast-baseline"});
  reg.mreg_json({"register", "power-forecast-baseline", "--source", "s3://b/1"});
  reg.mreg_json({"request", "power-forecast-baseline", "1", "--to", "Staging"});
  const auto list = reg.mreg_json({"model", "list"})["registered_models"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["name"] == "power-forecast");
  CHECK(list[1]["name"] == "power-forecast-baseline");
  for (const std::string name : {"power-forecast", "power-forecast-baseline"})
    CHECK(reg.mreg_json({"model", "show", name})["registered_model"]["name"] == name);
  // Reads that go through the whole list of models find it too.
  CHECK(reg.mreg_json({"status"})["requests"].size() == 1);
}
