// `mreg copy` (MLflow's copy_model_version): within a registry and into another one served by
// git daemon on 127.0.0.1. What describes the model travels and the origin is recorded; the
// stage and aliases stay behind; bad input writes nothing.
#include "support/git_servers.h"
#include "support/harness.h"

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

// The fields a copy carries over, as `version show -o json` prints them.
Json travelling(const Json& v) {
  Json out;
  for (const char* k : {"source", "run_id", "run_link", "experiment_id", "digest", "flavors", "signature",
                        "description", "tags"})
    out[k] = v.value(k, Json());
  return out;
}

}  // namespace

TEST_CASE("mreg copy makes a new version with the source's lineage and records where it came from", "[copy]") {
  Registry reg;
  TempDir dir;
  write_file(dir / "model/MLmodel", "run_id: run-7\nflavors:\n  sklearn: {}\nsignature:\n  inputs: '[{\"name\": \"x\", \"type\": \"double\"}]'\n");
  write_file(dir / "model/model.pkl", "weights\n");
  reg.mreg_json({"register", "m", "--create-model", "--model-dir", dir / "model", "--source", "s3://bucket/m/1",
                 "--run-link", "https://tracking.example.com/runs/run-7", "--experiment-id", "4", "--description",
                 "Gradient-boosted trees", "--tag", "val_mae=0.37"});
  reg.mreg_json({"stage", "m", "1", "Production"});
  reg.mreg_json({"alias", "set", "m", "champion", "1"});
  const Json source = reg.mreg_json({"version", "show", "m", "1"})["model_version"];
  const std::string source_commit = reg.head();

  // Bad input: nothing is written.
  const std::string state = reg.state();
  struct Bad {
    std::vector<std::string> args;
    int code;
    std::string says;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{"copy", "models:/m/1", "other"}, 4, "other"},                    // no such model, no --create-model
           {{"copy", "m/1", "other", "--create-model"}, 3, "models:/"},       // not a model URI
           {{"copy", "models:/m/9", "other", "--create-model"}, 4, "9"},      // no such version
           {{"copy", "models:/nosuch/1", "other", "--create-model"}, 4, "nosuch"},
           {{"copy", "models:/m/1", "bad\x01name", "--create-model"}, 3, "name"},  // a control character
           {{"--ref", "HEAD~1", "copy", "models:/m/1", "other", "--create-model"}, 3, "--ref"},
           {{"copy", "models:/m/1"}, 2, "dest"}}) {
    Result r = reg.mreg(bad.args);
    CHECK_EXIT(r, bad.code);
    CHECK_THAT(r.err, Contains(bad.says));
  }
  CHECK(reg.state() == state);

  // Into a new model, in one commit; the Production version by its stage.
  const int commits = reg.commit_count();
  const Json copy = reg.mreg_json({"copy", "models:/m/Production", "other", "--create-model"})["model_version"];
  CHECK(reg.commit_count() == commits + 1);
  reg.check_commit("HEAD", "register", "other", "1");
  CHECK(trailer(reg.path(), "HEAD", "Mreg-Copied-From") == "test/registry models:/m/1 " + source_commit);
  CHECK(reg.git_ok({"tag", "-l", "other@v*"}) == "other@v1");
  CHECK(copy["name"] == "other");
  CHECK(copy["version"] == "1");
  CHECK(travelling(copy) == travelling(source));
  CHECK(copy["current_stage"] == "None");
  CHECK(list_field(copy, "aliases").empty());
  CHECK(copy["copied_from"] == Json{{"registry", "test/registry"}, {"model", "m"}, {"version", "1"}, {"commit", source_commit}});
  const std::string file = reg.show("models/other/versions/1.yaml");
  CHECK_THAT(file, Contains("copied_from:\n  registry: test/registry\n  model: m\n  version: 1\n  commit: " + source_commit + "\n"));
  CHECK_THAT(reg.mreg({"version", "show", "other", "1"}).out, Contains("models:/m/1 in test/registry at " + source_commit.substr(0, 12)));
  // The source keeps its state.
  CHECK(reg.mreg_json({"version", "show", "m", "1"})["model_version"] == source);

  // Into a model that exists: the next number; a copy of a copy names its own source.
  const Json again = reg.mreg_json({"copy", "models:/other/1", "other"})["model_version"];
  CHECK(again["version"] == "2");
  CHECK(again["copied_from"]["model"] == "other");
  CHECK(again["copied_from"]["version"] == "1");
  CHECK_EXIT(reg.mreg({"check"}), 0);

  // A copied_from that does not fit the schema is named by the reader.
  reg.git_ok({"checkout", "-q", "-b", "hand"});
  write_file(reg.path() + "/models/other/versions/2.yaml",
             replace_line(read_file(reg.path() + "/models/other/versions/2.yaml"), "  commit: ", "  commit: nope"));
  reg.hand_commit("hand edit");
  Result check = reg.mreg({"check"});
  CHECK_EXIT(check, 8);
  CHECK_THAT(check.err + check.out, Contains("models/other/versions/2.yaml") && Contains("commit"));
}

TEST_CASE("mreg copy --to-remote copies into the registry a git daemon serves, in one commit", "[copy][remote]") {
  RemoteOrigin dest;  // test/registry with model m, on the server
  GitDaemon daemon(dest.base());
  const std::string url = daemon.url("reg.git");
  Registry reg(false, "acme/source");
  reg.mreg_json({"register", "fraud", "--create-model", "--source", "s3://bucket/fraud/1", "--run-id", "run-1",
                 "--tag", "auc=0.91"});
  reg.mreg_json({"stage", "fraud", "1", "Staging"});
  reg.mreg_json({"alias", "set", "fraud", "best", "1"});
  const std::string local = reg.state();
  const std::string remote_before = git_ok({"rev-parse", "main"}, dest.path());

  // Without --create-model the missing model is refused; nothing reaches the remote.
  Result missing = reg.mreg({"copy", "models:/fraud@best", "fraud", "--to-remote", url});
  CHECK_EXIT(missing, 4);
  CHECK(git_ok({"rev-parse", "main"}, dest.path()) == remote_before);
  // --push belongs to writes into the registry read.
  CHECK_EXIT(reg.mreg({"--push", "copy", "models:/fraud/1", "fraud", "--to-remote", url, "--create-model"}), 3);

  Result copied = reg.mreg({"-o", "json", "copy", "models:/fraud@best", "fraud", "--to-remote", url, "--create-model"});
  REQUIRE_EXIT(copied, 0);
  CHECK(json(copied)["model_version"]["version"] == "1");
  CHECK(reg.state() == local);  // the source is only read
  CHECK(git_ok({"rev-list", "--count", remote_before + "..main"}, dest.path()) == "1");
  CHECK(trailer(dest.path(), "main", "Mreg-Op") == "register");
  CHECK(git_ok({"tag", "-l", "fraud@v*"}, dest.path()) == "fraud@v1");
  Result shown = mreg({"--repo", dest.path(), "-o", "json", "version", "show", "fraud", "1"});
  REQUIRE_EXIT(shown, 0);
  const Json v = json(shown)["model_version"];
  CHECK(v["source"] == "s3://bucket/fraud/1");
  CHECK(v["run_id"] == "run-1");
  CHECK(tag_map(v["tags"]) == std::map<std::string, std::string>{{"auc", "0.91"}});
  CHECK(v["current_stage"] == "None");
  CHECK(list_field(v, "aliases").empty());
  CHECK(v["copied_from"] == Json{{"registry", "acme/source"}, {"model", "fraud"}, {"version", "1"}, {"commit", reg.head()}});
  require_fsck_clean(dest.path());
}
