// Model names MLflow accepts (spaces, accents, CJK, '/', '+', '%', Unity Catalog's dots) through
// the CLI, the pages and the API; their folders and tags as FORMAT.md ("Names") encodes them.
#include "support/harness.h"
#include "support/server.h"

#include <filesystem>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

struct HardName {
  std::string name, folder;
};

const std::vector<HardName> kHardNames = {
    {"my model", "my%20model"},
    {"mod\xC3\xA8le-\xC3\xBC", "mod%C3%A8le-%C3%BC"},
    {"\xE6\xA8\xA1\xE5\x9E\x8B", "%E6%A8%A1%E5%9E%8B"},
    {"a/b", "a%2Fb"},
    {"x+y", "x%2By"},
    {"50%", "50%25"},
    {"catalog.schema.model", "catalog.schema.model"},
    {"<b>&\"'", "%3Cb%3E%26%22%27"},
    {"CON", "%43ON"},
    {"team@corp", "team%40corp"},  // models:/team@corp@champion: the alias is after the last '@'
};

// Every hard name created, with one version registered and moved to Production.
void add_hard_names(const Registry& reg) {
  for (const auto& [name, folder] : kHardNames) {
    INFO(name);
    REQUIRE_EXIT(reg.mreg({"model", "create", name, "--description", "about " + name}), 0);
    REQUIRE_EXIT(reg.mreg({"register", name, "--source", "s3://bucket/" + folder}), 0);
    REQUIRE_EXIT(reg.mreg({"stage", name, "1", "Production"}), 0);
    REQUIRE_EXIT(reg.mreg({"alias", "set", name, "champion", "1"}), 0);
  }
}

std::string html_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("names MLflow accepts are registry names: folders and tags encoded, read back by the CLI", "[names]") {
  Registry reg;
  add_hard_names(reg);
  const auto files = reg.files();
  for (const auto& [name, folder] : kHardNames) {
    INFO(name);
    CHECK(std::find(files.begin(), files.end(), "models/" + folder + "/model.yaml") != files.end());
    CHECK(yaml_to_json(reg.show("models/" + folder + "/model.yaml"))["name"] == name);
    CHECK(trim(reg.git_ok({"tag", "-l", folder + "@v1"})) == folder + "@v1");
    CHECK(trim(reg.git_ok({"tag", "-l", folder + "#production#1"})) == folder + "#production#1");
    const Json got = reg.mreg_json({"model", "show", name});
    CHECK(got["registered_model"]["name"] == name);
    const Json v = reg.mreg_json({"version", "show", name, "1"});
    CHECK(v["model_version"]["current_stage"] == "Production");
    // A models:/ URI cannot hold a '/' in its name, in MLflow neither.
    if (name.find('/') == std::string::npos)
      CHECK(reg.mreg_json({"resolve", "models:/" + name + "@champion"}).dump().find("s3://bucket/" + folder) !=
            std::string::npos);
  }
  std::vector<std::string> listed;
  const Json list = reg.mreg_json({"model", "list"});
  for (const auto& m : list["registered_models"]) listed.push_back(m["name"]);
  for (const auto& [name, folder] : kHardNames) CHECK(std::count(listed.begin(), listed.end(), name) == 1);

  // Unique ignoring case, whatever the name.
  CHECK(reg.mreg({"model", "create", "My Model"}).status == 5);
  CHECK(reg.mreg({"model", "create", "MOD\xC3\xA8LE-\xC3\xBC"}).status == 5);
  // Names a registry cannot hold are refused, naming the rule.
  const Result ctl = reg.mreg({"model", "create", "tab\there"});
  CHECK(ctl.status == 3);
  CHECK_THAT(ctl.err, Contains("control character"));

  // A rename to a hard name moves the folder; the history follows.
  REQUIRE_EXIT(reg.mreg({"model", "rename", "my model", "your model?"}), 0);
  CHECK(reg.mreg_json({"model", "show", "your model?"})["registered_model"]["latest_versions"].size() == 1);

  const Result check = reg.mreg({"check"});
  REQUIRE_EXIT(check, 0);
  require_fsck_clean(reg.path());
  REQUIRE_EXIT(reg.mreg({"tags", "sync"}), 0);
  const Result log = reg.mreg({"log", "50%"});
  REQUIRE_EXIT(log, 0);
  CHECK_THAT(log.out, Contains("50%"));
}

TEST_CASE("a name with blanks at its ends keeps its history: git would trim its trailers", "[names]") {
  Registry reg;
  REQUIRE_EXIT(reg.mreg({"model", "create", " lead "}), 0);
  REQUIRE_EXIT(reg.mreg({"register", " lead ", "--source", "s3://bucket/1"}), 0);
  REQUIRE_EXIT(reg.mreg({"stage", " lead ", "1", "Staging"}), 0);
  CHECK_THAT(reg.git_ok({"log", "-1", "--format=%B"}), Contains("Mreg-Model-Encoded: %20lead%20"));
  REQUIRE_EXIT(reg.mreg({"model", "rename", " lead ", "lead"}), 0);
  const Json log = reg.mreg_json({"log", "lead"});
  REQUIRE(log["events"].size() == 4);
  CHECK(log["events"][0]["type"] == "model_renamed");
  CHECK(log["events"][0]["from"] == " lead ");
  CHECK(log["events"][1]["type"] == "transitioned");
  CHECK(log["events"][1]["model"] == " lead ");
  CHECK(log["events"][3]["type"] == "model_created");
  // Plain git reads the commits too, and the registry stays valid.
  REQUIRE_EXIT(reg.mreg({"check"}), 0);
  require_fsck_clean(reg.path());
}

TEST_CASE("mreg check names a model folder that is not its name's encoding", "[names][check]") {
  Registry reg;
  REQUIRE_EXIT(reg.mreg({"model", "create", "my model"}), 0);
  std::filesystem::rename(reg.path() + "/models/my%20model", reg.path() + "/models/my model");
  reg.hand_commit("a folder named as the name itself");
  Result r = reg.mreg({"check"});
  CHECK(r.status == 8);
  CHECK_THAT(r.out + r.err, Contains("models/my model") && Contains("folder-name") && Contains("my%20model"));

  // A plain name in an encoded folder is no better.
  Registry other;
  REQUIRE_EXIT(other.mreg({"model", "create", "plain"}), 0);
  std::filesystem::rename(other.path() + "/models/plain", other.path() + "/models/%70lain");
  other.hand_commit("an encoded plain name");
  r = other.mreg({"check"});
  CHECK(r.status == 8);
  CHECK_THAT(r.out + r.err, Contains("folder-name"));
}

TEST_CASE("the bundled example registry, all plain names, checks clean", "[names][check]") {
  TempDir d;
  const std::string repo = d / "example";
  const Result built = run({"bash", std::string(MREG_SOURCE_DIR) + "/examples/registry-repo/build", repo}, "",
                           {std::string("MREG=") + MREG_BINARY});
  REQUIRE_EXIT(built, 0);
  REQUIRE_EXIT(mreg({"--repo", repo, "check"}), 0);
  REQUIRE_EXIT(mreg({"--repo", repo, "verify"}), 0);
  require_fsck_clean(repo);
}

TEST_CASE("pages and the API take names MLflow accepts", "[names][serve]") {
  Registry reg;
  add_hard_names(reg);
  Server server({"--repo", reg.path()});

  const auto index = server.get("/");
  REQUIRE(index->status == 200);
  for (const auto& [name, folder] : kHardNames) {
    INFO(name);
    const std::string url = "/models/" + query_escape(name);
    CHECK(index->body.find("href=\"" + url + "\"") != std::string::npos);
    CHECK(index->body.find(html_escaped(name)) != std::string::npos);
    const auto page = server.get(url);
    CHECK(page->status == 200);
    CHECK(page->body.find(html_escaped(name)) != std::string::npos);
    CHECK(server.get(url + "/versions/1")->status == 200);

    const auto got = server.get("/api/2.0/mlflow/registered-models/get?name=" + query_escape(name));
    CHECK(got->status == 200);
    CHECK(json_body(got)["registered_model"]["name"] == name);
    const auto mv = server.get("/api/2.0/mlflow/model-versions/get?name=" + query_escape(name) + "&version=1");
    CHECK(mv->status == 200);
    CHECK(json_body(mv)["model_version"]["name"] == name);
  }
  // The raw '<' of a name never reaches a page unescaped.
  CHECK(index->body.find("<b>&") == std::string::npos);

  // A name no model can have is looked up like any other: not found, as in MLflow.
  for (const std::string& missing : std::vector<std::string>{"no such model", "tab\there", std::string(300, 'x'), "a/b/c"}) {
    INFO(missing);
    const auto r = server.get("/api/2.0/mlflow/registered-models/get?name=" + query_escape(missing));
    CHECK(r->status == 404);
    CHECK(json_body(r)["error_code"] == "RESOURCE_DOES_NOT_EXIST");
  }
  CHECK(server.get("/models/" + query_escape("no such model"))->status == 404);
  // Only the empty name is a bad parameter, as in MLflow.
  const auto empty = server.get("/api/2.0/mlflow/registered-models/get?name=");
  CHECK(empty->status == 400);
  CHECK(json_body(empty)["error_code"] == "INVALID_PARAMETER_VALUE");
}

TEST_CASE("mreg import mlflow imports every model it can and names the ones it cannot", "[names][mlflow]") {
  Registry reg;
  const std::string store = reg.dir / "mlruns";
  auto model = [&](const std::string& folder, const std::string& yaml_name, long long created) {
    write_file(store + "/models/" + folder + "/meta.yaml",
               "creation_timestamp: " + std::to_string(created) + "\ndescription: null\nlast_updated_timestamp: " +
                   std::to_string(created) + "\nname: " + yaml_name + "\n");
    write_file(store + "/models/" + folder + "/version-1/meta.yaml",
               "creation_timestamp: " + std::to_string(created + 10) + "\ncurrent_stage: None\ndescription: ''\n"
               "last_updated_timestamp: " + std::to_string(created + 10) + "\nname: " + yaml_name +
                   "\nrun_id: ''\nrun_link: ''\nsource: s3://b/" + folder + "\nstatus: READY\nstatus_message: null\n"
                   "user_id: alice\nversion: 1\n");
  };
  model("my model", "my model", 1760000000000);
  model("x", "\"\\u6A21\\u578B/50%\"", 1760000001000);
  model("Churn", "Churn", 1760000002000);
  model("churn", "churn", 1760000003000);         // differs from Churn only in case
  model("ctl", "\"bad\\tname\"", 1760000004000);  // a control character
  write_file(store + "/models/broken/meta.yaml", "name: [unclosed\n");
  const Result r = reg.mreg({"-o", "json", "import", "mlflow", store});
  CHECK(r.status == 3);
  CHECK_THAT(r.err, Contains("3 models were not imported"));
  const Json report = Json::parse(r.out);
  CHECK(report["models_created"] == 3);
  CHECK(report["versions_created"] == 3);
  std::set<std::string> refused;
  for (const auto& m : report["models_not_imported"]) {
    refused.insert(m["name"].get<std::string>());
    CHECK_FALSE(m["reason"].get<std::string>().empty());
  }
  CHECK(refused == std::set<std::string>{"broken", "churn", "bad\tname"});
  for (const std::string name : {"my model", "\xE6\xA8\xA1\xE5\x9E\x8B/50%", "Churn"})
    CHECK(reg.mreg_json({"version", "show", name, "1"})["model_version"]["source"].get<std::string>().rfind("s3://b/", 0) == 0);

  // The text report names them too.
  Registry again;
  const Result t = again.mreg({"import", "mlflow", store});
  CHECK(t.status == 3);
  CHECK_THAT(t.err, Contains("Not imported: 'churn'") && Contains("Not imported: 'broken'"));
  REQUIRE_EXIT(again.mreg({"check"}), 0);
}
