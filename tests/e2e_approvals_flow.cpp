// The approved promotion as a team runs it: a request on a branch pushed to a bare remote,
// approvals by two reviewers (one who cannot push, through --print and --attach), CI's
// `mreg verify --base`, a merge with plain git (merge commit, squash, rebase), and `mreg apply`
// on the main branch. The approvals are files in the tree, so every merge strategy keeps them.
#include "support/approvals.h"
#include "support/lifecycle.h"

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

// A clone of the remote in dir/NAME, on branch `branch` (made from the remote's when new).
std::string clone(const ApprovalFixture& fx, const std::string& name) {
  const std::string path = fx.reg.dir / name;
  git_ok({"clone", "-q", fx.reg.path(), path}, "");
  return path;
}

// mreg ARGS... --repo REPO as who, with the trusted root as CI passes it.
Result mreg_in(const ApprovalFixture& fx, const std::string& repo, const std::string& who,
               std::vector<std::string> args) {
  args.insert(args.end(), {"--repo", repo, "--trusted-root", fx.root});
  return mreg(args, "", as(who));
}

Json verify_in(const ApprovalFixture& fx, const std::string& repo, std::vector<std::string> args, int code) {
  args.insert(args.begin(), {"-o", "json", "verify"});
  Result r = mreg_in(fx, repo, "ci", args);
  REQUIRE_EXIT(r, code);
  return json(r);
}

}  // namespace

TEST_CASE("an approved promotion survives every merge strategy", "[approvals][flow]") {
  ApprovalFixture fx(/*bare=*/true);
  const std::string main_branch = fx.reg.git_ok({"symbolic-ref", "--short", "HEAD"});

  // 1. carol requests the move on a branch and pushes it.
  const std::string work = clone(fx, "carol");
  git_ok({"checkout", "-q", "-b", "promote"}, work);
  Result req = mreg_in(fx, work, "carol", {"-o", "json", "request", "m", "1", "--to", "Production", "-f", fx.key("carol"), "--comment", "beats v0 on 2024"});
  REQUIRE_EXIT(req, 0);
  const std::string id = json(req)["request"]["id"];
  git_ok({"push", "-q", "origin", "promote"}, work);

  // The open request is listed, with no approvals yet.
  Json status = json(mreg_in(fx, work, "carol", {"-o", "json", "status"}));
  REQUIRE(status["requests"].size() == 1);
  CHECK(status["requests"][0]["id"] == id);
  CHECK(status["requests"][0]["approval_files"] == 0);

  // 2. alice reviews on her clone and approves; her commit is signed (commit.gpgSign).
  const std::string alice = clone(fx, "alice");
  git_ok({"checkout", "-q", "promote"}, alice);
  write_file(fx.reg.dir / "git_signers", email("alice") + " " + public_key_line(fx.key("alice")) + "\n");
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"commit.gpgSign", "true"}, {"gpg.format", "ssh"}, {"user.signingKey", fx.key("alice")},
           {"gpg.ssh.allowedSignersFile", fx.reg.dir / "git_signers"}})
    git_ok({"config", k, v}, alice);
  // Without a terminal to ask on, approving needs --yes, as deleting does.
  const std::string head = git_ok({"rev-parse", "HEAD"}, alice);
  Result unasked = mreg_in(fx, alice, "alice", {"approve", "m", id});
  CHECK_EXIT(unasked, 2);
  CHECK_THAT(unasked.err, Contains("pass --yes"));
  CHECK(git_ok({"rev-parse", "HEAD"}, alice) == head);
  Result approved = mreg_in(fx, alice, "alice", {"approve", "m", id, "--yes", "--comment", "looks good"});
  REQUIRE_EXIT(approved, 0);
  CHECK_THAT(approved.out, Contains("Approved request " + id + " as " + email("alice")));
  CHECK_EXIT(git({"verify-commit", "HEAD"}, alice), 0);
  CHECK(trailer(alice, "HEAD", "Mreg-Op") == "approve");
  CHECK(trailer(alice, "HEAD", "Mreg-Approver") == email("alice"));
  CHECK(trailer(alice, "HEAD", "Mreg-Key") == fingerprint(fx.key("alice")));
  CHECK(git_ok({"show", "-s", "--format=%ae", "HEAD"}, alice) == email("alice"));
  git_ok({"push", "-q", "origin", "promote"}, alice);

  // 3. bob cannot push: he prints his approval, carol attaches it.
  const std::string bob = clone(fx, "bob");
  git_ok({"checkout", "-q", "promote"}, bob);
  const std::string bob_state = git_ok({"rev-parse", "HEAD"}, bob);
  Result printed = mreg_in(fx, bob, "bob", {"approve", "m", id, "-f", fx.key("bob"), "--yes", "--print"});
  REQUIRE_EXIT(printed, 0);
  CHECK(git_ok({"rev-parse", "HEAD"}, bob) == bob_state);  // nothing committed
  const SignedApproval pasted = split_printed(printed.out);
  CHECK_THAT(pasted.payload, Contains("approver: " + email("bob") + "\n"));
  CHECK_THAT(pasted.payload, Contains("request_id: " + id + "\n"));
  git_ok({"pull", "-q", "--ff-only", "origin", "promote"}, work);
  write_file(fx.reg.dir / "bob-approval.txt", printed.out);
  REQUIRE_EXIT(mreg_in(fx, work, "carol", {"approve", "m", id, "--attach", fx.reg.dir / "bob-approval.txt"}), 0);
  CHECK(read_file(work + "/" + approval_file(id, "bob")) == pasted.payload);
  CHECK(read_file(work + "/" + approval_file(id, "bob") + ".sig") == pasted.signature);
  git_ok({"push", "-q", "origin", "promote"}, work);

  // 4. CI verifies the pull request against the main branch's policy.
  const std::string ci = clone(fx, "ci");
  git_ok({"checkout", "-q", "promote"}, ci);
  Json pr = verify_in(fx, ci, {"--base", "origin/" + main_branch}, 0);
  CHECK(pr["mode"] == "pull-request");
  CHECK(pr["problems"].empty());
  REQUIRE(pr["requests"].size() == 1);
  CHECK(pr["requests"][0]["id"] == id);
  CHECK(pr["requests"][0]["needed"] == 2);
  CHECK(pr["requests"][0]["approved"] == 2);
  CHECK(column(pr["requests"][0]["approvals"], "verdict") == std::vector<std::string>{"OK", "OK"});
  CHECK(column(pr["requests"][0]["approvals"], "principal") ==
        std::vector<std::string>{email("alice"), email("bob")});
  CHECK(column(pr["requests"][0]["approvals"], "key") ==
        std::vector<std::string>{fingerprint(fx.key("alice")), fingerprint(fx.key("bob"))});
  // For people: one line a verdict.
  Result table = mreg_in(fx, ci, "ci", {"verify", "--base", "origin/" + main_branch});
  REQUIRE_EXIT(table, 0);
  CHECK_THAT(table.out, Contains("OK  " + email("alice") + "  " + fingerprint(fx.key("alice"))));
  CHECK_THAT(table.out, Contains("2/2 approvals"));

  // The main branch moves on meanwhile.
  const std::string maint = clone(fx, "maintainer");
  REQUIRE_EXIT(mreg_in(fx, maint, "admin1", {"register", "m", "--source", "s3://bucket/m/3"}), 0);
  git_ok({"fetch", "-q", "origin"}, maint);

  // 5. The maintainer merges with plain git.
  SECTION("merge commit") {
    git_ok({"merge", "-q", "--no-ff", "-m", "Merge pull request #1", "origin/promote"}, maint);
    CHECK(git_ok({"log", "-1", "--format=%P", "HEAD"}, maint).find(' ') != std::string::npos);
    // Merge commits keep the branch's commits: alice's signed commit still verifies.
    CHECK_EXIT(git({"-c", "gpg.ssh.allowedSignersFile=" + fx.reg.dir / "git_signers", "verify-commit",
                    git_ok({"log", "-1", "--format=%H", "--author=alice", "HEAD"}, maint)},
                   maint),
               0);
  }
  SECTION("squash") {
    git_ok({"merge", "-q", "--squash", "origin/promote"}, maint);
    git_ok({"commit", "-q", "-m", "Promote m v1 (#1)"}, maint);
    CHECK(git_ok({"log", "-1", "--format=%P", "HEAD"}, maint).find(' ') == std::string::npos);
  }
  SECTION("rebase") {
    git_ok({"checkout", "-q", "-b", "rebased", "origin/promote"}, maint);
    git_ok({"rebase", "-q", main_branch}, maint);
    git_ok({"checkout", "-q", main_branch}, maint);
    git_ok({"merge", "-q", "--ff-only", "rebased"}, maint);
    // The rebased commits are new, and unsigned.
    CHECK(git_ok({"log", "-1", "--format=%G?", "--author=alice", "HEAD"}, maint) == "N");
  }
  git_ok({"push", "-q", "origin", main_branch}, maint);

  // 6. On the main branch: the tree verifies, apply performs the move, and it verifies again.
  Json before = verify_in(fx, fx.reg.path(), {}, 0);
  CHECK(before["mode"] == "tree");
  CHECK(fx.reg.show(approval_file(id, "alice")) == read_file(alice + "/" + approval_file(id, "alice")));

  Result applied = mreg_in(fx, fx.reg.path(), "ci", {"-o", "json", "apply"});
  REQUIRE_EXIT(applied, 0);
  Json result = json(applied);
  REQUIRE(result["applied"].size() == 1);
  CHECK(result["applied"][0]["id"] == id);
  CHECK(result["not_applied"].empty());
  fx.reg.check_commit("HEAD", "transition", "m", "1");
  CHECK(trailer(fx.reg.path(), "HEAD", "Mreg-Request") == id);
  CHECK(trailer(fx.reg.path(), "HEAD", "Mreg-To") == "Production");
  CHECK(scalar_line(fx.reg.show("models/m/versions/1.yaml"), "stage") == "Production");
  CHECK(scalar_line(fx.reg.show("models/m/versions/1.yaml"), "stage_request") == id);
  CHECK(tag_names(fx.reg, "m#*") == std::vector<std::string>{"m#production#1"});
  CHECK(tag_commit(fx.reg, "m#production#1") == fx.reg.head());
  CHECK_THAT(tag_message(fx.reg, "m#production#1"), Contains(id));

  Json after = verify_in(fx, fx.reg.path(), {}, 0);
  REQUIRE(after["states"].size() == 1);
  CHECK(after["states"][0]["verdict"] == "justified");
  CHECK(after["states"][0]["request"] == id);
  CHECK(after["requests"][0]["state"] == "applied");
  CHECK(after["requests"][0]["applied_commit"] == fx.reg.head());
  // The checkpoint it gives verifies in history mode.
  const std::string checkpoint = after["checkpoint"];
  CHECK(verify_in(fx, fx.reg.path(), {"--since", checkpoint}, 0)["mode"] == "history");
  // The request acts once.
  Result again = mreg_in(fx, fx.reg.path(), "ci", {"apply", "m", id});
  CHECK(again.status > 0);
  CHECK(again.signal == 0);
  CHECK_THAT(again.err, Contains("applied already"));
  require_fsck_clean(fx.reg.path());

  // status and log tell the story.
  Json closed = json(mreg_in(fx, fx.reg.path(), "ci", {"-o", "json", "status", "--all"}));
  REQUIRE(closed["requests"].size() == 1);
  CHECK(closed["requests"][0]["outcome"] == "applied");
  CHECK(closed["requests"][0]["approval_files"] == 2);
  CHECK(json(mreg_in(fx, fx.reg.path(), "ci", {"-o", "json", "status"}))["requests"].empty());
  Json log = json(mreg_in(fx, fx.reg.path(), "ci", {"-o", "json", "log", "m"}))["events"];
  std::vector<std::string> types, added;
  for (const auto& e : log) {
    if (e.value("request", "") == id) types.push_back(e["type"]);
    if (e["type"] == "edited") added.push_back(e["path"]);
  }
  // Also after a squash, whose commit has no trailers: the added files say what they were.
  CHECK(types == std::vector<std::string>{"transitioned", "approved", "approved", "requested"});
  CHECK(added.empty());
  for (const auto& e : log)
    if (e["type"] == "approved") CHECK(e["verification"] == "OK");
}

TEST_CASE("a tampered pull request fails verification, and so does a tampered main branch", "[approvals][flow]") {
  ApprovalFixture fx;
  const std::string id = fx.approved_request(1);
  REQUIRE(fx.verify({"--base", "base"}).ok());
  const std::string alice_file = approval_file(id, "alice");

  SECTION("a changed byte in an approval") {
    fx.commit_files({{alice_file, with_value(fx.reg.show(alice_file), "expires_at", time_from_now(365 * 86400))}},
                    "extend");
    Report r = fx.verify({"--base", "base"});
    CHECK(r.codes() == std::vector<std::string>{"E_THRESHOLD_NOT_MET"});
    CHECK(r.approval(alice_file)["verdict"] == "E_BAD_SIGNATURE");
    CHECK(r.approval(approval_file(id, "bob"))["verdict"] == "OK");
    CHECK_THAT(r.problem("E_THRESHOLD_NOT_MET")["message"].get<std::string>(), Contains("1/2"));
  }
  SECTION("an approval removed") {
    fx.reg.git_ok({"rm", "-q", alice_file, alice_file + ".sig"});
    fx.reg.git_ok({"commit", "-q", "-m", "drop"});
    Report r = fx.verify({"--base", "base"});
    CHECK(r.codes() == std::vector<std::string>{"E_THRESHOLD_NOT_MET"});
  }
  SECTION("the version changed after approval") {
    fx.commit_files({{"models/m/versions/1.yaml",
                      replace_line(fx.reg.show("models/m/versions/1.yaml"), "source:", "source: s3://evil/m/1")}},
                    "swap the model");
    Report r = fx.verify({"--base", "base"});
    CHECK(r.has("E_DIGEST_MISMATCH"));
    CHECK(r.approval(alice_file)["verdict"] == "E_DIGEST_MISMATCH");
    CHECK_THAT(r.approval(alice_file)["message"].get<std::string>(), Contains(alice_file));
    // apply refuses it too, naming the code.
    Result applied = fx.reg.mreg({"apply", "m", id});
    CHECK(applied.status == 7);
    CHECK_THAT(applied.err, Contains("E_DIGEST_MISMATCH"));
  }
  SECTION("after apply, a version changed on the main branch") {
    REQUIRE_EXIT(fx.reg.mreg({"apply"}), 0);
    REQUIRE(fx.verify().ok());
    fx.commit_files({{"models/m/versions/1.yaml",
                      replace_line(fx.reg.show("models/m/versions/1.yaml"), "source:", "source: s3://evil/m/1")}},
                    "swap the model");
    Report r = fx.verify();
    CHECK(r.has("E_DIGEST_MISMATCH"));
    REQUIRE(r.json["states"].size() == 1);
    CHECK(r.json["states"][0]["verdict"] != "justified");
  }
  SECTION("after apply, a storage_location pointed elsewhere on the main branch") {
    // MLflow 3 clients and `mreg download` fetch from storage_location before source, so the
    // approval binds it: adding one by hand is as much a swap of the bytes as changing source.
    REQUIRE_EXIT(fx.reg.mreg({"apply"}), 0);
    REQUIRE(fx.verify().ok());
    const std::string file = fx.reg.show("models/m/versions/1.yaml");
    const std::string source_line = "source: " + scalar_line(file, "source") + "\n";
    REQUIRE(file.find(source_line) != std::string::npos);
    std::string swapped = file;
    swapped.insert(file.find(source_line) + source_line.size(), "storage_location: s3://evil/m/1\n");
    fx.commit_files({{"models/m/versions/1.yaml", swapped}}, "point the downloads elsewhere");
    REQUIRE(scalar_line(fx.reg.show("models/m/versions/1.yaml"), "storage_location") == "s3://evil/m/1");
    Report r = fx.verify();
    CHECK(r.has("E_DIGEST_MISMATCH"));
    REQUIRE(r.json["states"].size() == 1);
    CHECK(r.json["states"][0]["verdict"] != "justified");
  }
  SECTION("a version moved into Production by hand") {
    fx.commit_files({{"models/m/versions/2.yaml",
                      replace_line(fx.reg.show("models/m/versions/2.yaml"), "stage:", "stage: Production")}},
                    "promote by hand");
    Report r = fx.verify();
    CHECK(r.codes() == std::vector<std::string>{"E_STAGE_NOT_JUSTIFIED"});
    CHECK(r.problem("E_STAGE_NOT_JUSTIFIED")["path"] == "models/m/versions/2.yaml");
    CHECK(fx.verify({"--base", "base"}).has("E_STAGE_NOT_JUSTIFIED"));
  }
}

TEST_CASE("mreg status says how many approvals each open request still needs", "[approvals][flow]") {
  ApprovalFixture fx;
  const std::string id = fx.request("carol", 1);
  REQUIRE_EXIT(fx.approve("alice", id), 0);
  // bob's name on a file signed by mallory does not count.
  const SignedApproval bob = fx.print_approval("bob", id);
  fx.commit_files({{approval_file(id, "bob"), bob.payload},
                   {approval_file(id, "bob") + ".sig", ssh_sign(fx.key("mallory"), bob.payload)}},
                  "approve as bob");
  const auto status = json(fx.reg.mreg({"-o", "json", "status"}))["requests"];
  REQUIRE(status.size() == 1);
  CHECK(status[0]["approval_files"] == 2);
  CHECK(status[0]["approvals_valid"] == 1);
  CHECK(status[0]["approvals_needed"] == 2);
  CHECK(status[0]["approvers"] == nlohmann::json::array({email("alice")}));
  Result table = fx.reg.mreg({"status"});
  REQUIRE_EXIT(table, 0);
  CHECK_THAT(table.out, Contains("1/2 (needs 1 more)"));
}
