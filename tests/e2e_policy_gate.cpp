// A move into a stage or alias that the trusted policy protects, made
// directly rather than through an approved request, is refused: exit 7, a
// message that says how to request it, and nothing written. Moves the policy
// does not protect stay open.
#include "support/harness.h"

using namespace e2e;
using Catch::Matchers::Contains;

TEST_CASE("a move that a policy rule protects is refused until it is approved", "[lifecycle][policy]") {
  Registry reg;
  reg.mreg_json({"model", "create", "power-forecast"});
  reg.mreg_json({"model", "create", "other"});
  for (int i = 0; i < 2; ++i) {
    reg.mreg_json({"register", "power-forecast", "--source", "s3://b/" + std::to_string(i)});
    reg.mreg_json({"register", "other", "--source", "s3://o/" + std::to_string(i)});
  }
  sh_ok("ssh-keygen -q -t ed25519 -N '' -C admin -f admin", reg.dir.path());
  REQUIRE_EXIT(reg.mreg({"policy", "init", "--admin", "admin@example.com", "--key", reg.dir / "admin.pub"}), 0);
  // Version 2 protects Production and the champion alias of power-* models only.
  const std::string v2 = reg.dir / "v2.yaml";
  std::string text = reg.show(".mreg/policy/1.yaml");
  text = text.substr(0, text.find("rules:")) +
         "rules:\n  - models: [power-*]\n    stages: [Production]\n    aliases: [champion]\n"
         "    approvers: [admin@example.com]\n    threshold: 1\n";
  write_file(v2, text);
  REQUIRE_EXIT(reg.mreg({"policy", "edit", "--file", v2}), 0);
  REQUIRE_EXIT(reg.mreg({"policy", "sign", "2", "-f", reg.dir / "admin"}, {"GIT_AUTHOR_EMAIL=admin@example.com"}), 0);
  const std::string before = reg.state();

  SECTION("a protected stage: exit 7, says how to request it, nothing written") {
    Result r = reg.mreg({"stage", "power-forecast", "1", "production"});
    INFO(describe(r));
    CHECK(r.status == 7);
    CHECK_THAT(r.err, Contains("mreg request power-forecast 1 --to Production"));
    CHECK_THAT(r.err, Contains(".mreg/policy/2.yaml"));
    CHECK_THAT(r.err, Contains("mreg apply"));
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
  SECTION("what no rule of the policy protects is open") {
    REQUIRE_EXIT(reg.mreg({"stage", "power-forecast", "1", "Staging"}), 0);
    REQUIRE_EXIT(reg.mreg({"stage", "other", "1", "Production"}), 0);       // another model
    REQUIRE_EXIT(reg.mreg({"alias", "set", "power-forecast", "challenger", "2"}), 0);
  }
}
