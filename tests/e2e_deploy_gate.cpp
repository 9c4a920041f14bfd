// The deploy gate, `mreg resolve --verified --branch B URI`: a deploy job gets a version only
// when the commit it reads is on B's first-parent history, the URI names protected state,
// that state is justified under the trusted policy, and B's tip still has it. Tags are never read.
#include "support/approvals.h"

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

const std::string kProduction = "models:/m/Production";

Result gate(const ApprovalFixture& fx, const std::vector<std::string>& args) {
  std::vector<std::string> all{"resolve", "--verified", "--branch", "main"};
  all.insert(all.end(), args.begin(), args.end());
  return fx.mreg_as("carol", all);
}

void expect_refused(const Result& r, const std::string& code) {
  INFO(describe(r));
  CHECK(r.status == 7);
  CHECK(r.out.empty());  // nothing for a deploy step to pick up
  CHECK_THAT(r.err, Contains(code));
}

// m v1 in Production through an approved, applied request; returns the request id.
std::string promote_v1(const ApprovalFixture& fx) {
  const std::string id = fx.approved_request(1);
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
  return id;
}

// Puts `version` into Production by editing its manifest and committing with plain git.
void hand_promote(const ApprovalFixture& fx, int version) {
  const std::string path = "models/m/versions/" + std::to_string(version) + ".yaml";
  fx.commit_files({{path, replace_line(fx.reg.show(path), "stage: ", "stage: Production")}}, "promote by hand",
                  as("mallory"));
}

}  // namespace

TEST_CASE("the deploy gate gives an approved version and says what justifies it", "[deploy-gate]") {
  ApprovalFixture fx;
  const std::string id = promote_v1(fx);
  Result r = gate(fx, {kProduction});
  REQUIRE_EXIT(r, 0);
  CHECK(r.out == fx.reg.mreg({"resolve", kProduction}).out);  // the same answer as resolve
  CHECK_THAT(r.err, Contains("approved in request " + id));

  Result j = gate(fx, {"-o", "json", kProduction});
  REQUIRE_EXIT(j, 0);
  CHECK(json(j)["model_version"]["version"] == "1");
}

TEST_CASE("the deploy gate refuses a tagged commit that is not on the branch", "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  // The attacker's commit, on a branch of its own, tagged as mreg's transition tags are.
  fx.reg.git_ok({"checkout", "-q", "-b", "evil"});
  hand_promote(fx, 2);
  fx.reg.git_ok({"tag", "-a", "-m", "deploy", "m#production#9"});
  fx.reg.git_ok({"checkout", "-q", "main"});

  // Without the gate, the tag deploys v2.
  Result plain = fx.reg.mreg({"--ref", "m#production#9", "resolve", "-o", "json", kProduction});
  REQUIRE_EXIT(plain, 0);
  CHECK(json(plain)["model_version"]["version"] == "2");

  Result r = gate(fx, {"--ref", "m#production#9", kProduction});
  expect_refused(r, "E_NOT_ON_BRANCH");
  CHECK_THAT(r.err, Contains("not on the first-parent history of main"));

  // The same commit merged into main is on the branch, and still not approved.
  fx.reg.git_ok({"merge", "-q", "--no-ff", "-m", "merge evil", "evil"});
  expect_refused(gate(fx, {kProduction}), "E_STAGE_NOT_JUSTIFIED");
  // The commit of the branch that was merged is not on main's first-parent history either.
  expect_refused(gate(fx, {"--ref", "evil", kProduction}), "E_NOT_ON_BRANCH");
}

TEST_CASE("the deploy gate refuses what no approval is about", "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  expect_refused(gate(fx, {"models:/m/1"}), "E_NOT_PROTECTED");
  expect_refused(gate(fx, {"models:/m/latest"}), "E_NOT_PROTECTED");
  REQUIRE_EXIT(fx.mreg_as("carol", {"stage", "m", "2", "Staging"}), 0);
  Result staging = gate(fx, {"models:/m/Staging"});
  expect_refused(staging, "E_NOT_PROTECTED");
  CHECK_THAT(staging.err, Contains("protects no stage Staging of m"));
  // A usage error is not a refusal.
  CHECK(fx.mreg_as("carol", {"resolve", "--verified", kProduction}).status == 3);
  CHECK(fx.mreg_as("carol", {"resolve", "--branch", "main", kProduction}).status == 3);
}

TEST_CASE("the deploy gate refuses hand edits of what was approved", "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  SECTION("the approved version's source changed on main") {
    const std::string path = "models/m/versions/1.yaml";
    fx.commit_files({{path, replace_line(fx.reg.show(path), "source: ", "source: s3://evil/model")}}, "fix source",
                    as("mallory"));
    Result r = gate(fx, {kProduction});
    expect_refused(r, "E_DIGEST_MISMATCH");
    CHECK_THAT(r.err, Contains("binds version_sha256"));
  }
  SECTION("a second version moved in by hand on main") {
    hand_promote(fx, 2);  // v2 is now what models:/m/Production resolves to
    expect_refused(gate(fx, {kProduction}), "E_STAGE_NOT_JUSTIFIED");
  }
}

TEST_CASE("the deploy gate follows the branch: an older commit that the branch has left is refused",
          "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  const std::string old = fx.reg.git_ok({"rev-parse", "HEAD"});
  REQUIRE_EXIT(gate(fx, {"--ref", old, kProduction}), 0);  // the tip: it is current
  const std::string id = fx.approved_request(2);
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);

  Result r = gate(fx, {"--ref", old, kProduction});
  expect_refused(r, "E_NOT_CURRENT");
  CHECK_THAT(r.err, Contains("v2 at the tip of main"));
  Result now = gate(fx, {kProduction});
  REQUIRE_EXIT(now, 0);
  CHECK_THAT(now.err, Contains("is v2"));
}

TEST_CASE("the deploy gate needs the trusted root", "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  fx.reg.git_ok({"config", "--unset-all", "mreg.trustedRoot"});
  Result r = fx.mreg_as("carol", {"resolve", "--verified", "--branch", "main", kProduction}, {"MREG_TRUSTED_ROOT="});
  expect_refused(r, "E_POLICY_ROOT_NOT_PINNED");
  REQUIRE_EXIT(fx.mreg_as("carol", {"--trusted-root", fx.root, "resolve", "--verified", "--branch", "main", kProduction},
                          {"MREG_TRUSTED_ROOT="}),
               0);
}

TEST_CASE("the deploy gate refuses an approved version that is the answer only because a newer one was removed by hand",
          "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  const std::string second = fx.approved_request(2);  // v2 joins v1 in Production (no archiving)
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", second}), 0);
  Result before = gate(fx, {"-o", "json", kProduction});
  REQUIRE_EXIT(before, 0);
  CHECK(json(before)["model_version"]["version"] == "2");

  // Mallory rolls Production back to v1 by deleting v2's file with plain git, on main.
  fx.reg.git_ok({"rm", "-q", "models/m/versions/2.yaml"});
  fx.reg.git_ok({"commit", "-q", "-m", "drop v2"});
  Result plain = fx.reg.mreg({"resolve", "-o", "json", kProduction});
  REQUIRE_EXIT(plain, 0);
  CHECK(json(plain)["model_version"]["version"] == "1");  // v1 was approved, but is the answer only now

  Result r = gate(fx, {kProduction});
  expect_refused(r, "E_REMOVAL_NOT_JUSTIFIED");
  CHECK_THAT(r.err, Contains("m v2"));
}
