// Protected state cannot be taken away without approval either: moves out of a protected
// stage, deletes of a version or model that holds it, and closings of a request are refused
// made directly, and go through requests signed by people the policy names.
#include "support/approvals.h"

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

std::string stage_of(const ApprovalFixture& fx, int version) {
  const std::string text = fx.reg.show("models/m/versions/" + std::to_string(version) + ".yaml");
  const auto at = text.find("\nstage: ");
  REQUIRE(at != std::string::npos);
  return text.substr(at + 8, text.find('\n', at + 1) - at - 8);
}

bool has_file(const ApprovalFixture& fx, const std::string& path) {
  const auto files = fx.reg.files();
  return std::find(files.begin(), files.end(), path) != files.end();
}

// m v1 in Production through an approved, applied request.
void promote_v1(const ApprovalFixture& fx) {
  const std::string id = fx.approved_request(1);
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
  REQUIRE(stage_of(fx, 1) == "Production");
}

}  // namespace

TEST_CASE("removing protected state directly is refused with the request to make", "[approvals][removal]") {
  ApprovalFixture fx;
  promote_v1(fx);
  const std::string head = fx.reg.git_ok({"rev-parse", "HEAD"});

  Result out = fx.mreg_as("carol", {"stage", "m", "1", "Staging"});
  CHECK(out.status == 7);
  CHECK_THAT(out.err, Contains("mreg request m 1 --to Staging"));

  Result del = fx.mreg_as("carol", {"version", "delete", "--yes", "m", "1"});
  CHECK(del.status == 7);
  CHECK_THAT(del.err, Contains("mreg request m 1 --delete"));

  Result model = fx.mreg_as("carol", {"model", "delete", "--yes", "m"});
  CHECK(model.status == 7);
  CHECK_THAT(model.err, Contains("v1 in Production"));

  // Archiving v1 by promoting v2 directly is refused as well.
  Result archive = fx.mreg_as("carol", {"stage", "m", "2", "Staging", "--archive-existing"});
  CHECK(archive.status == 0);
  CHECK(fx.reg.git_ok({"rev-parse", "HEAD"}) != head);
  CHECK(fx.mreg_as("carol", {"stage", "m", "2", "Production", "--archive-existing"}).status == 7);
  CHECK(stage_of(fx, 1) == "Production");
}

TEST_CASE("an approved delete request removes a version in a protected stage", "[approvals][removal]") {
  ApprovalFixture fx;
  promote_v1(fx);
  Result req = fx.mreg_as("carol", {"-o", "json", "request", "m", "1", "--delete", "-f", fx.key("carol")});
  REQUIRE_EXIT(req, 0);
  const std::string id = json(req)["request"]["id"];
  CHECK(json(req)["request"]["delete_version"] == true);
  // Not yet approved: apply refuses it.
  CHECK(fx.mreg_as("carol", {"apply", "m", id}).status == 7);
  REQUIRE_EXIT(fx.approve("alice", id), 0);
  REQUIRE_EXIT(fx.approve("bob", id), 0);
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
  CHECK_FALSE(has_file(fx, "models/m/versions/1.yaml"));
  const std::string message = fx.reg.git_ok({"log", "-1", "--format=%B"});
  CHECK_THAT(message, Contains("Mreg-Op: delete-version"));
  CHECK_THAT(message, Contains("Mreg-Request: " + id));
}

TEST_CASE("a move out of a protected stage needs the approvals of the stage it leaves", "[approvals][removal]") {
  ApprovalFixture fx;
  promote_v1(fx);
  const std::string id = fx.request("carol", 1, "Archived");
  CHECK(fx.mreg_as("carol", {"apply", "m", id}).status == 7);
  REQUIRE_EXIT(fx.approve("alice", id), 0);
  REQUIRE_EXIT(fx.approve("bob", id), 0);
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
  CHECK(stage_of(fx, 1) == "Archived");
}

TEST_CASE("a requester is proven by her signature, not by her git identity", "[approvals][requester]") {
  ApprovalFixture fx;
  // carol cannot ask in alice's name: her key is not alice's.
  Result forged = fx.mreg_as("carol", {"request", "m", "1", "--to", "Production", "-f", fx.key("carol")},
                             {"GIT_AUTHOR_EMAIL=alice@example.com", "GIT_COMMITTER_EMAIL=alice@example.com"});
  CHECK(forged.status == 7);
  CHECK_THAT(forged.err, Contains("is not a key of alice@example.com"));
  // Without a key the request is refused, as it could not be told from a forgery.
  CHECK(fx.mreg_as("carol", {"request", "m", "1", "--to", "Production"}).status != 0);

  // alice writes a request by hand that names carol, then approves it with bob.
  const std::string id = "20261201T000000Z-beef";
  const std::string version_sha = fx.reg.mreg_json({"request", "m", "1", "--to", "Production", "-f",
                                                    fx.key("carol")}, as("carol"))["request"]["version_sha256"];
  const std::string text = std::string("id: ") + id +
                           "\nmodel: m\nversion: 1\nfrom_stage: None\nto_stage: Production\nversion_sha256: " +
                           version_sha + "\nrequested_by: Carol <carol@example.com>\nrequested_at: 2026-12-01T00:00:00Z\n";
  fx.commit_files({{"models/m/requests/" + id + ".yaml", text}}, "request by hand", as("alice"));
  fx.approve("alice", id);
  fx.approve("bob", id);
  Report rep = fx.verify();
  INFO(rep.json.dump(2));
  CHECK(rep.request(id)["justified"] == false);
  bool unproven = false;
  const nlohmann::json verdict = rep.request(id);
  for (const auto& p : verdict["problems"]) unproven = unproven || p["code"] == "E_REQUESTER_UNPROVEN";
  CHECK(unproven);
  CHECK(fx.mreg_as("alice", {"apply", "m", id}).status == 7);
  CHECK(stage_of(fx, 1) == "None");
}

TEST_CASE("only an approver rejects and only the requester or an admin cancels", "[approvals][closing]") {
  ApprovalFixture fx;
  const std::string id = fx.request("carol", 1);
  // carol's key is listed, but she approves nothing: her rejection is refused.
  Result carol = fx.mreg_as("carol", {"reject", "m", id, "-f", fx.key("carol")});
  CHECK(carol.status == 7);
  // An unsigned rejection commit made by hand is ignored: the request stays open.
  fx.reg.git_ok({"commit", "-q", "--allow-empty", "-m",
                 "reject request " + id + "\n\nMreg-Op: reject\nMreg-Model: m\nMreg-Version: 1\nMreg-Request: " + id},
                as("mallory"));
  nlohmann::json status = json(fx.mreg_as("carol", {"-o", "json", "status", "--all"}));
  REQUIRE(status["requests"].size() == 1);
  CHECK(status["requests"][0]["outcome"] == "open");
  // verify reports it, and lists the request as open.
  Report report = fx.verify({});
  CHECK(report.ok());
  REQUIRE(report.json["warnings"].size() == 1);
  CHECK(report.json["warnings"][0]["code"] == "E_CLOSING_IGNORED");
  CHECK_THAT(report.json["warnings"][0]["message"].get<std::string>(), Contains("is not signed by anyone entitled to it"));
  CHECK(report.request(id)["state"] == "open");
  // A rejection file signed by someone who approves nothing is ignored the same way.
  const SignedApproval bogus{"x", ssh_sign(fx.key("mallory"), "x", "mreg-closing-v1")};
  fx.commit_files({{"models/m/approvals/" + id + "/mallory@example.com.rejection", "x"},
                   {"models/m/approvals/" + id + "/mallory@example.com.rejection.sig", bogus.signature}},
                  "reject", as("mallory"));
  report = fx.verify({});
  CHECK(report.ok());
  CHECK(report.json["warnings"].size() == 2);
  CHECK(report.request(id)["state"] == "open");
  Result table = fx.mreg_as("carol", {"verify"});
  CHECK(table.status == 0);
  CHECK_THAT(table.out, Contains("WARN E_CLOSING_IGNORED models/m/approvals/" + id + "/mallory@example.com.rejection"));
  // bob cannot cancel carol's request; alice, an approver, can reject it.
  CHECK(fx.mreg_as("bob", {"cancel", "m", id, "-f", fx.key("bob")}).status == 7);
  REQUIRE_EXIT(fx.mreg_as("alice", {"reject", "m", id, "-f", fx.key("alice")}), 0);
  CHECK(has_file(fx, "models/m/approvals/" + id + "/alice@example.com.rejection.sig"));
  status = json(fx.mreg_as("carol", {"-o", "json", "status", "--all"}));
  CHECK(status["requests"][0]["outcome"] == "rejected");
  CHECK(fx.mreg_as("carol", {"apply", "m", id}).status != 0);
}

TEST_CASE("a pull request or a commit on main that removes protected state by hand fails verify",
          "[approvals][removal]") {
  ApprovalFixture fx;
  promote_v1(fx);
  fx.reg.git_ok({"branch", "promoted"});
  // Tree mode remembers the steps it found clean; the steps after them are still read.
  REQUIRE(fx.verify({}).ok());
  const std::string path = "models/m/versions/1.yaml";
  std::string text = fx.reg.show(path);
  text = replace_line(text, "stage: ", "stage: Staging");
  fx.commit_files({{path, text}}, "tidy up", as("mallory"));

  Report pr = fx.verify({"--base", "promoted"});
  CHECK(pr.result.status == 7);
  CHECK(pr.has("E_REMOVAL_NOT_JUSTIFIED"));
  CHECK_THAT(pr.problem("E_REMOVAL_NOT_JUSTIFIED")["path"].get<std::string>(), Contains("versions/1.yaml"));
  // A pull request gives no checkpoint: after a squash merge its head is not on main.
  CHECK_FALSE(pr.json.contains("checkpoint"));

  Report since = fx.verify({"--since", "promoted"});
  CHECK(since.result.status == 7);
  CHECK(since.has("E_REMOVAL_NOT_JUSTIFIED"));

  // Tree mode reads every step since the policy was adopted: the removal is found
  // though the tree no longer shows it, and still after later commits.
  REQUIRE_EXIT(fx.mreg_as("carol", {"register", "m", "--source", "s3://bucket/m/3"}), 0);
  Report tree = fx.verify({});
  CHECK(tree.result.status == 7);
  CHECK(tree.has("E_REMOVAL_NOT_JUSTIFIED"));
  CHECK_THAT(tree.problem("E_REMOVAL_NOT_JUSTIFIED")["message"].get<std::string>(), Contains("v1 in Production"));

  // The approved path: the same move out, requested and approved, passes.
  ApprovalFixture ok;
  promote_v1(ok);
  ok.reg.git_ok({"branch", "promoted"});
  const std::string id = ok.request("carol", 1, "Staging");
  REQUIRE_EXIT(ok.approve("alice", id), 0);
  REQUIRE_EXIT(ok.approve("bob", id), 0);
  REQUIRE_EXIT(ok.mreg_as("carol", {"apply", "m", id}), 0);
  Report good = ok.verify({"--since", "promoted"});
  CHECK(good.ok());
  CHECK_FALSE(good.has("E_REMOVAL_NOT_JUSTIFIED"));
  CHECK(ok.verify({}).ok());
}

TEST_CASE("a request applied before requests were signed is proven by signing it afterwards",
          "[approvals][requester]") {
  ApprovalFixture fx;
  promote_v1(fx);
  std::string id = fx.reg.git_ok({"log", "-1", "--format=%(trailers:key=Mreg-Request,valueonly)"});
  id.erase(id.find_last_not_of("\n") + 1);
  const std::string request = "models/m/requests/" + id + ".yaml";
  // As an older mreg left it: the request was never signed.
  fx.reg.git_ok({"filter-branch", "-f", "--index-filter", "git rm -q --cached --ignore-unmatch " + request + ".sig",
                 "--", "main"},
                {"FILTER_BRANCH_SQUELCH_WARNING=1"});
  fx.reg.git_ok({"reset", "-q", "--hard"});
  Report before = fx.verify({});
  CHECK(before.result.status == 7);
  CHECK(before.has("E_REQUESTER_UNPROVEN"));

  // carol signs the request's bytes now, in a pull request.
  fx.reg.git_ok({"checkout", "-q", "-b", "sign-request"});
  const std::string signature = ssh_sign(fx.key("carol"), fx.reg.show(request), "mreg-request-v1");
  fx.commit_files({{request + ".sig", signature}}, "Sign request " + id, as("carol"));
  CHECK(fx.verify({"--base", "main"}).ok());
  // Signed by someone else, it proves nothing.
  fx.reg.git_ok({"checkout", "-q", "-b", "sign-as-mallory", "main"});
  fx.commit_files({{request + ".sig", ssh_sign(fx.key("mallory"), fx.reg.show(request), "mreg-request-v1")}},
                  "Sign request " + id, as("mallory"));
  Report mallory = fx.verify({"--base", "main"});
  CHECK(mallory.result.status == 7);
  CHECK(mallory.has("E_REQUESTER_UNPROVEN"));

  fx.reg.git_ok({"checkout", "-q", "main"});
  fx.reg.git_ok({"merge", "-q", "--no-ff", "-m", "merge", "sign-request"});
  CHECK(fx.verify({}).ok());
}
