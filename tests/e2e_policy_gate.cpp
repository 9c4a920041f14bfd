// Until signed approvals exist, a move into a stage or alias that the newest
// policy protects is refused: exit 7, a message that says how to request it,
// and nothing written. Moves the policy does not protect stay open.
#include "support/harness.h"

#include <filesystem>
#include <fstream>

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

void write_policy(const Registry& reg, const std::string& file, const std::string& text) {
  std::filesystem::create_directories(reg.path() + "/.mreg/policy");
  std::ofstream(reg.path() + "/.mreg/policy/" + file) << text;
  reg.git_ok({"add", ".mreg"});
  reg.git_ok({"commit", "-q", "-m", "policy " + file});
}

}  // namespace

TEST_CASE("a move that a policy rule protects is refused until it is approved", "[lifecycle][policy]") {
  Registry reg;
  reg.mreg_json({"model", "create", "power-forecast"});
  reg.mreg_json({"model", "create", "other"});
  for (int i = 0; i < 2; ++i) {
    reg.mreg_json({"register", "power-forecast", "--source", "s3://b/" + std::to_string(i)});
    reg.mreg_json({"register", "other", "--source", "s3://o/" + std::to_string(i)});
  }
  write_policy(reg, "1.yaml",
               "registry: test/registry\nversion: 1\nrules:\n"
               "  - models: power-*\n    stages: [Staging]\n    aliases: [champion]\n");
  // A newer version of the policy is the one in force.
  write_policy(reg, "2.yaml",
               "registry: test/registry\nversion: 2\nrules:\n"
               "  - models: power-*\n    stages: [Production]\n    aliases: [champion]\n");
  const std::string before = reg.state();

  SECTION("a protected stage: exit 7, says how to request it, nothing written") {
    Result r = reg.mreg({"stage", "power-forecast", "1", "production"});
    INFO(describe(r));
    CHECK(r.status == 7);
    CHECK_THAT(r.err, Contains("mreg request power-forecast 1 --to Production"));
    CHECK_THAT(r.err, Contains(".mreg/policy/2.yaml"));
    CHECK(reg.state() == before);
  }
  SECTION("a protected alias: exit 7") {
    Result r = reg.mreg({"alias", "set", "power-forecast", "champion", "2"});
    INFO(describe(r));
    CHECK(r.status == 7);
    CHECK_THAT(r.err, Contains("--alias champion"));
    CHECK(reg.state() == before);
  }
  SECTION("-o json gives PERMISSION_DENIED") {
    Result r = reg.mreg({"-o", "json", "stage", "power-forecast", "1", "Production"});
    CHECK(r.status == 7);
    CHECK(nlohmann::json::parse(r.err)["error_code"] == "PERMISSION_DENIED");
  }
  SECTION("what no rule of the newest policy protects is open") {
    REQUIRE_EXIT(reg.mreg({"stage", "power-forecast", "1", "Staging"}), 0);  // only version 1 protected it
    REQUIRE_EXIT(reg.mreg({"stage", "other", "1", "Production"}), 0);       // another model
    REQUIRE_EXIT(reg.mreg({"alias", "set", "power-forecast", "challenger", "2"}), 0);
  }
}
