// A slow first read shows its progress on a terminal, and nothing anywhere else.
// MREG_PROGRESS_DELAY_MS=0 stands in for a read slower than a second; `script`
// gives mreg a terminal.
#include "support/harness.h"

#include <filesystem>

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

// Three models; the read cache removed, so the next listing parses them all.
struct ColdRegistry {
  Registry reg{true};
  ColdRegistry() {
    for (const char* name : {"a", "b", "c"}) REQUIRE_EXIT(reg.mreg({"model", "create", name, "-q"}), 0);
    std::filesystem::remove_all(reg.path() + "/mreg");
  }
};

// mreg ARGS with a terminal for stdout and stderr: what the terminal showed.
Result on_terminal(const Registry& reg, const std::string& args) {
  const std::string command = std::string(MREG_BINARY) + " " + args + " --repo " + reg.path();
  return run({"script", "-qec", command, "/dev/null"}, "", {"MREG_PROGRESS_DELAY_MS=0"});
}

}  // namespace

TEST_CASE("a cold model list shows progress on a terminal and clears it", "[progress]") {
  ColdRegistry cold_reg;
  const Registry& reg = cold_reg.reg;
  Result cold = on_terminal(reg, "model list");
  REQUIRE_EXIT(cold, 0);
  CHECK_THAT(cold.out, Contains("\rReading models: 1/3"));
  CHECK_THAT(cold.out, Contains("\r\033[K"));  // the line is cleared before the listing
  CHECK(cold.out.find("\r\033[K") < cold.out.find("NAME"));

  Result warm = on_terminal(reg, "model list");  // parsed already: nothing to wait for
  REQUIRE_EXIT(warm, 0);
  CHECK_THAT(warm.out, !Contains("Reading"));
  CHECK_THAT(warm.out, Contains("NAME"));
}

TEST_CASE("a version search shows progress on a terminal", "[progress]") {
  ColdRegistry cold_reg;
  const Registry& reg = cold_reg.reg;
  Result r = on_terminal(reg, "search versions");
  REQUIRE_EXIT(r, 0);
  CHECK_THAT(r.out, Contains("\rSearching the versions of models: 1/3"));
  CHECK_THAT(r.out, Contains("\r\033[K"));
}

TEST_CASE("progress stays off when stderr is not a terminal", "[progress]") {
  ColdRegistry cold_reg;
  const Registry& reg = cold_reg.reg;
  Result list = reg.mreg({"model", "list", "-o", "json"}, {"MREG_PROGRESS_DELAY_MS=0"});
  REQUIRE_EXIT(list, 0);
  CHECK(list.err.empty());
  CHECK(json(list)["registered_models"].size() == 3);
  Result search = reg.mreg({"search", "versions"}, {"MREG_PROGRESS_DELAY_MS=0"});
  REQUIRE_EXIT(search, 0);
  CHECK(search.err.empty());
}

TEST_CASE("an MLflow import shows its progress on a terminal, and nothing elsewhere", "[progress][mlflow]") {
  // The MLflow file store comes from mreg's own export: three models with a version each.
  ColdRegistry cold_reg;
  const Registry& source = cold_reg.reg;
  for (const char* name : {"a", "b", "c"})
    REQUIRE_EXIT(source.mreg({"register", name, "--source", std::string("s3://bucket/") + name, "-q"}), 0);
  const std::string store = source.dir / "mlruns";
  REQUIRE_EXIT(source.mreg({"export", "mlflow", store, "-q"}), 0);
  const std::string summary = "Imported 3 models, 3 versions and 0 aliases (0 models and 0 versions were here already)";

  SECTION("on a terminal: one line that counts the models and versions, cleared before the summary") {
    Registry target(true);
    Result r = on_terminal(target, "import mlflow " + store);
    REQUIRE_EXIT(r, 0);
    CHECK_THAT(r.out, Contains("\rImporting from MLflow: 1/6"));  // later counts come at most ten times a second
    CHECK_THAT(r.out, Contains(summary));
    CHECK(r.out.rfind("\r\033[K") < r.out.find(summary));
  }
  SECTION("stdout and stderr of a pipe carry the summary alone") {
    Registry target(true);
    Result r = target.mreg({"import", "mlflow", store}, {"MREG_PROGRESS_DELAY_MS=0"});
    REQUIRE_EXIT(r, 0);
    CHECK(r.out == summary + "\n");
    CHECK(r.err.empty());
    Result json_out = target.mreg({"import", "mlflow", store, "-o", "json"}, {"MREG_PROGRESS_DELAY_MS=0"});
    REQUIRE_EXIT(json_out, 0);
    CHECK(json(json_out)["models_skipped"] == 3);
    CHECK(json_out.err.empty());
  }
}
