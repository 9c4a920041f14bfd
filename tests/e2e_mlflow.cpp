// mreg import mlflow and mreg export mlflow against MLflow's file-store layout
// (the files as MLflow 2.17 writes them: meta.yaml with sorted keys, tags/ and
// aliases/ folders, deleted versions kept as Deleted_Internal).
#include "support/harness.h"
#include "support/server.h"

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

std::string version_meta(int n, const std::string& stage, const std::string& user, long long created) {
  return "aliases: []\ncreation_timestamp: " + std::to_string(created) + "\ncurrent_stage: " + stage +
         "\ndescription: version " + std::to_string(n) + "\nlast_updated_timestamp: " + std::to_string(created + 500) +
         "\nname: fraud-detector\nrun_id: run" + std::to_string(n) +
         "\nrun_link: null\nsource: s3://artifacts/fraud/" + std::to_string(n) +
         "\nstatus: READY\nstatus_message: null\nstorage_location: s3://artifacts/fraud/" + std::to_string(n) +
         "\nuser_id: " + user + "\nversion: " + std::to_string(n) + "\n";
}

// An MLflow file store: fraud-detector (v1 Archived, v2 Production with alias
// champion, v3 deleted) and churn (v1, no user), created in that order.
void write_store(const std::string& root) {
  const std::string m = root + "/models/fraud-detector";
  write_file(m + "/meta.yaml",
             "aliases:\n  champion: '1'\ncreation_timestamp: 1760000000000\ndescription: Detects card fraud\n"
             "last_updated_timestamp: 1760000900000\nname: fraud-detector\n");
  write_file(m + "/tags/team", "risk");
  write_file(m + "/tags/owner/email", "risk@example.com");  // a key with '/' is a path
  write_file(m + "/aliases/champion", "2");                  // the folder wins over meta.yaml
  write_file(m + "/version-1/meta.yaml", version_meta(1, "Archived", "alice@example.com", 1760000100000));
  write_file(m + "/version-1/tags/val_auc", "0.91");
  write_file(m + "/version-2/meta.yaml", version_meta(2, "Production", "bob", 1760000300042));
  write_file(m + "/version-3/meta.yaml", version_meta(3, "Deleted_Internal", "bob", 1760000500000));
  write_file(root + "/models/churn/meta.yaml",
             "creation_timestamp: 1760000200000\ndescription: null\nlast_updated_timestamp: 1760000200000\nname: churn\n");
  std::string churn = version_meta(1, "None", "null", 1760000250000);
  churn = replace_line(churn, "name:", "name: churn");
  write_file(root + "/models/churn/version-1/meta.yaml", churn);
}

}  // namespace

TEST_CASE("mreg import mlflow brings a file store in with its history", "[mlflow]") {
  Registry reg;
  const std::string store = reg.dir / "mlruns";
  write_store(store);
  const int before = reg.commit_count();
  const auto r = reg.mreg_json({"import", "mlflow", store});
  CHECK(r["models_created"] == 2);
  CHECK(r["versions_created"] == 3);
  CHECK(r["aliases_set"] == 1);
  require_fsck_clean(reg.path());

  SECTION("models, versions, stages, tags and aliases as MLflow has them") {
    const auto m = reg.mreg_json({"model", "show", "fraud-detector"})["registered_model"];
    CHECK(m["description"] == "Detects card fraud");
    CHECK(tag_map(m["tags"]) == std::map<std::string, std::string>{{"team", "risk"}, {"owner/email", "risk@example.com"}});
    REQUIRE(m["aliases"].size() == 1);
    CHECK(m["aliases"][0]["alias"] == "champion");
    CHECK(m["aliases"][0]["version"] == "2");
    const auto v1 = reg.mreg_json({"version", "show", "fraud-detector", "1"})["model_version"];
    CHECK(v1["current_stage"] == "Archived");
    CHECK(v1["source"] == "s3://artifacts/fraud/1");
    CHECK(v1["run_id"] == "run1");
    CHECK(tag_map(v1["tags"]) == std::map<std::string, std::string>{{"val_auc", "0.91"}});
    CHECK(v1["creation_timestamp"] == 1760000100000);
    const auto v2 = reg.mreg_json({"version", "show", "fraud-detector", "2"})["model_version"];
    CHECK(v2["current_stage"] == "Production");
    // MLflow's milliseconds are kept (the commit has git's whole seconds).
    CHECK(v2["creation_timestamp"] == 1760000300042);
    CHECK(v2["last_updated_timestamp"] == 1760000300542);
    // The deleted version is not there, and its number is not given again.
    CHECK(reg.mreg({"version", "show", "fraud-detector", "3"}).status == 4);
    CHECK(reg.mreg_json({"register", "fraud-detector", "--source", "s3://new"})["model_version"]["version"] == "4");
  }
  SECTION("one commit per model and version, in creation order, by the original users and times") {
    // create fraud, register fraud v1, create churn, register churn v1, register fraud v2, aliases
    CHECK(reg.commit_count() == before + 6);
    const auto log = lines(reg.git_ok({"log", "--reverse", "--format=%an|%at|%s", "-6"}));
    REQUIRE(log.size() == 6);
    CHECK_THAT(log[0], Contains("|1760000000|create model fraud-detector"));
    CHECK_THAT(log[1], Contains("alice@example.com|1760000100|register fraud-detector v1"));
    CHECK_THAT(log[2], Contains("|1760000200|create model churn"));
    CHECK_THAT(log[3], Contains("|1760000250|register churn v1"));
    CHECK_THAT(log[4], Contains("bob|1760000300|register fraud-detector v2"));
    CHECK(reg.git_ok({"tag", "-l", "fraud-detector@v*"}) == "fraud-detector@v1\nfraud-detector@v2");
    reg.check_commit("HEAD~4", "register", "fraud-detector", "1");
  }
  SECTION("a rerun imports only what is new") {
    const std::string head = reg.head();
    const auto again = reg.mreg_json({"import", "mlflow", store});
    CHECK(again["models_created"] == 0);
    CHECK(again["versions_created"] == 0);
    CHECK(reg.head() == head);
    write_file(store + "/models/fraud-detector/version-4/meta.yaml", version_meta(4, "Staging", "carol", 1760001000000));
    const auto more = reg.mreg_json({"import", "mlflow", store});
    CHECK(more["versions_created"] == 1);
    CHECK(reg.commit_count() == before + 7);
    CHECK(reg.mreg_json({"version", "show", "fraud-detector", "4"})["model_version"]["current_stage"] == "Staging");
  }
  SECTION("export writes the file store back; importing that gives the same registry") {
    const std::string out = reg.dir / "exported";
    REQUIRE_EXIT(reg.mreg({"export", "mlflow", out}), 0);
    CHECK(read_file(out + "/models/fraud-detector/aliases/champion") == "2");
    CHECK(read_file(out + "/models/fraud-detector/tags/owner/email") == "risk@example.com");
    const auto meta = yaml_to_json(read_file(out + "/models/fraud-detector/version-2/meta.yaml"));
    CHECK(meta["current_stage"] == "Production");
    CHECK(meta["version"] == 2);
    CHECK(meta["user_id"] == "bob");  // the user id MLflow had, not an invented email
    CHECK(meta["creation_timestamp"] == 1760000300042);
    CHECK(meta["last_updated_timestamp"] == 1760000300542);
    // A second export into the same place is refused, and writes nothing.
    CHECK(reg.mreg({"export", "mlflow", out}).status == 5);

    Registry copy;
    copy.mreg_json({"import", "mlflow", out});
    for (const std::string name : {"fraud-detector", "churn"}) {
      CHECK(copy.mreg_json({"model", "show", name})["registered_model"] == reg.mreg_json({"model", "show", name})["registered_model"]);
      CHECK(copy.mreg_json({"version", "list", name}) == reg.mreg_json({"version", "list", name}));
    }
  }
}

TEST_CASE("mreg import mlflow leaves out a model whose files do not read, imports the rest", "[mlflow][errors]") {
  Registry reg;
  const std::string store = reg.dir / "mlruns";
  write_store(store);
  write_file(store + "/models/churn/version-1/meta.yaml", "version: [not, a, number\n");
  Result r = reg.mreg({"import", "mlflow", store});
  CHECK(r.status == 3);
  CHECK_THAT(r.err, Contains("Not imported: 'churn'") && Contains("churn/version-1/meta.yaml"));
  CHECK(reg.mreg({"model", "show", "churn"}).status == 4);
  CHECK(reg.mreg_json({"version", "show", "fraud-detector", "2"})["model_version"]["current_stage"] == "Production");
  const std::string before = reg.state();
  r = reg.mreg({"import", "mlflow", reg.dir / "nothing-here"});
  CHECK(r.status == 3);
  CHECK_THAT(r.err, Contains("not an MLflow file store"));
  CHECK(reg.mreg({"import", "mlflow"}).status == 3);  // neither a path nor --from-server
  CHECK(reg.state() == before);
}

TEST_CASE("mreg import mlflow --from-server reads MLflow's REST API (here mreg serve's)", "[mlflow][serve]") {
  Registry source;
  write_store(source.dir / "mlruns");
  source.mreg_json({"import", "mlflow", source.dir / "mlruns"});
  Server server({"--repo", source.path(), "--base-path", "/registry"});

  Registry copy;
  const auto r = copy.mreg_json({"import", "mlflow", "--from-server", server.url("/registry")});
  CHECK(r["models_created"] == 2);
  CHECK(r["versions_created"] == 3);
  for (const std::string name : {"fraud-detector", "churn"}) {
    CHECK(copy.mreg_json({"model", "show", name})["registered_model"] ==
          source.mreg_json({"model", "show", name})["registered_model"]);
    CHECK(copy.mreg_json({"version", "list", name}) == source.mreg_json({"version", "list", name}));
  }
  // A rerun finds nothing new; an unreachable server is a clear error.
  CHECK(copy.mreg_json({"import", "mlflow", "--from-server", server.url("/registry")})["versions_created"] == 0);
  Result down = copy.mreg({"import", "mlflow", "--from-server", "http://127.0.0.1:" + std::to_string(free_port())});
  CHECK(down.status == 1);
  CHECK_THAT(down.err, Contains("cannot reach"));
}
