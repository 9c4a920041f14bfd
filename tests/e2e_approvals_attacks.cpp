// Every attack on approvals that FORMAT.md names, built with real keys: `mreg verify` (on a pull
// request against the branch `base`, on the tree, or on history since a checkpoint) fails with
// a stable code and names the file, the principal or the key. Then hostile inputs, which fail
// the same way and never crash, and a differential check against `ssh-keygen -Y verify`.
#include "support/approvals.h"

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

std::string text_of(const Json& j) { return j.get<std::string>(); }

// Commits an approval as the files models/m/approvals/ID/WHO.approval(.sig) hold it.
void commit_approval(const ApprovalFixture& fx, const std::string& id, const std::string& who,
                     const std::string& payload, const std::string& signature,
                     const std::vector<std::string>& env = {}) {
  const std::string path = approval_file(id, who);
  fx.commit_files({{path, payload}, {path + ".sig", signature}}, "approve by hand", env);
}

// The verdict on WHO's approval of request ID in a pull request against `base`, which fails
// because the request is not approved: alice's approval (made with mreg) counts, WHO's does not.
Json refused_approval(const ApprovalFixture& fx, const std::string& id, const std::string& who,
                      const std::string& code) {
  Report r = fx.verify({"--base", "base"});
  CHECK_FALSE(r.ok());
  CHECK(r.result.status == 7);
  CHECK(r.has("E_THRESHOLD_NOT_MET"));
  Json verdict = r.approval(approval_file(id, who));
  CHECK(verdict["verdict"] == code);
  CHECK(verdict["principal"] == email(who));
  CHECK(r.request(id)["approved"] == 1);
  CHECK(r.request(id)["approvers"] == Json::array({email("alice")}));
  return verdict;
}

// A pull request with request ID (by carol, m v1 -> Production) approved by alice with mreg.
struct PullRequest {
  ApprovalFixture fx;
  std::string id;
  PullRequest() : id(fx.request("carol", 1)) { REQUIRE_EXIT(fx.approve("alice", id), 0); }
};

}  // namespace

TEST_CASE("approvals: missing, malformed and bad signatures", "[approvals][attacks]") {
  PullRequest pr;
  const ApprovalFixture& fx = pr.fx;
  const SignedApproval bob = fx.print_approval("bob", pr.id);
  const std::string path = approval_file(pr.id, "bob");
  // The armored body, without its first and last lines.
  const std::string armor_begin = "-----BEGIN SSH SIGNATURE-----\n", armor_end = "-----END SSH SIGNATURE-----\n";
  REQUIRE(bob.signature.rfind(armor_begin, 0) == 0);
  const std::string body = bob.signature.substr(armor_begin.size(), bob.signature.size() - armor_begin.size() - armor_end.size());

  SECTION("no .sig: E_UNSIGNED") {
    fx.commit_files({{path, bob.payload}}, "unsigned");
    Json v = refused_approval(fx, pr.id, "bob", "E_UNSIGNED");
    CHECK_THAT(text_of(v["message"]), Contains(path));
  }
  SECTION("a .sig without its .approval: E_MALFORMED_PAYLOAD") {
    fx.commit_files({{path + ".sig", bob.signature}}, "signature only");
    refused_approval(fx, pr.id, "bob", "E_MALFORMED_PAYLOAD");
  }
  for (const auto& [name, signature] : std::vector<std::pair<std::string, std::string>>{
           {"empty", ""},
           {"no armor", body},
           {"bytes before the armor", "approved!\n" + bob.signature},
           {"truncated base64", armor_begin + body.substr(0, body.size() / 2) + "\n" + armor_end},
           {"base64 with a bad character", armor_begin + "U1NIU0lH*" + body.substr(9) + armor_end},
           {"armor begun, never ended", armor_begin + body}}) {
    SECTION("a malformed .sig: " + name) {
      commit_approval(fx, pr.id, "bob", bob.payload, signature);
      Json v = refused_approval(fx, pr.id, "bob", "E_MALFORMED_SIGNATURE");
      CHECK_THAT(text_of(v["message"]), Contains(path + ".sig"));
    }
  }
  SECTION("a payload changed after signing: E_BAD_SIGNATURE, naming the key") {
    commit_approval(fx, pr.id, "bob", with_value(bob.payload, "version", "2"), bob.signature);
    Json v = refused_approval(fx, pr.id, "bob", "E_BAD_SIGNATURE");
    CHECK(v["key"] == fingerprint(fx.key("bob")));
  }
  SECTION("the pull request passes once bob's real approval is in") {
    commit_approval(fx, pr.id, "bob", bob.payload, bob.signature);
    CHECK(fx.verify({"--base", "base"}).ok());
  }
}

TEST_CASE("approvals: signatures by the wrong key or person", "[approvals][attacks]") {
  PullRequest pr;
  const ApprovalFixture& fx = pr.fx;
  const SignedApproval bob = fx.print_approval("bob", pr.id);

  SECTION("mallory signs bob's payload: E_UNKNOWN_KEY, a valid signature by a key not in the policy") {
    commit_approval(fx, pr.id, "bob", bob.payload, ssh_sign(fx.key("mallory"), bob.payload));
    Json v = refused_approval(fx, pr.id, "bob", "E_UNKNOWN_KEY");
    CHECK(v["key"] == fingerprint(fx.key("mallory")));
    CHECK_THAT(text_of(v["message"]), Contains(fingerprint(fx.key("mallory"))));
    CHECK_THAT(text_of(v["message"]), Contains("valid signature"));
    CHECK_THAT(text_of(v["message"]), !Contains("bad signature"));
  }
  SECTION("carol, whose key the policy lists, is no approver: E_NOT_AUTHORIZED") {
    // mreg approve refuses to sign it, and writes nothing ...
    const std::string before = fx.reg.state();
    Result refused = fx.approve("carol", pr.id);
    CHECK(refused.status == 7);
    CHECK_THAT(refused.err, Contains("not an approver"));
    CHECK(fx.reg.state() == before);
    // ... so carol signs the payload herself.
    const std::string payload = with_value(bob.payload, "approver", email("carol"));
    commit_approval(fx, pr.id, "carol", payload, ssh_sign(fx.key("carol"), payload));
    Report r = fx.verify({"--base", "base"});
    Json v = r.approval(approval_file(pr.id, "carol"));
    CHECK(v["verdict"] == "E_NOT_AUTHORIZED");
    CHECK(v["key"] == fingerprint(fx.key("carol")));
    CHECK_THAT(text_of(v["message"]), Contains(email("carol") + " lacks approver role for m/Production"));
    CHECK(r.request(pr.id)["approved"] == 1);
    CHECK(r.has("E_THRESHOLD_NOT_MET"));
  }
  SECTION("the requester approves her own request: E_SELF_APPROVAL") {
    const std::string own = fx.request("alice", 2);
    CHECK(fx.approve("alice", own).status == 7);  // refused before signing
    REQUIRE_EXIT(fx.approve("bob", own), 0);
    const std::string payload = with_value(fx.reg.show(approval_file(own, "bob")), "approver", email("alice"));
    commit_approval(fx, own, "alice", payload, ssh_sign(fx.key("alice"), payload));
    Report r = fx.verify({"--base", "base"});
    Json v = r.approval(approval_file(own, "alice"));
    CHECK(v["verdict"] == "E_SELF_APPROVAL");
    CHECK_THAT(text_of(v["message"]), Contains(email("alice")));
    CHECK(r.request(own)["approved"] == 1);
  }
  SECTION("alice's files copied to bob's names: E_PRINCIPAL_MISMATCH, alice counted once") {
    const std::string alice = approval_file(pr.id, "alice"), path = approval_file(pr.id, "bob");
    fx.commit_files({{path, fx.reg.show(alice)}, {path + ".sig", fx.reg.show(alice + ".sig")}}, "copy");
    Json v = refused_approval(fx, pr.id, "bob", "E_PRINCIPAL_MISMATCH");
    CHECK_THAT(text_of(v["message"]), Contains(path));
    CHECK_THAT(text_of(v["message"]), Contains(email("alice")));
    Report r = fx.verify({"--base", "base"});
    CHECK_THAT(text_of(r.problem("E_THRESHOLD_NOT_MET")["message"]), Contains("1/2 distinct approvers (" + email("alice") + ")"));
  }
  SECTION("alice signs a payload that says bob: E_PRINCIPAL_MISMATCH naming her key") {
    commit_approval(fx, pr.id, "bob", bob.payload, ssh_sign(fx.key("alice"), bob.payload));
    Json v = refused_approval(fx, pr.id, "bob", "E_PRINCIPAL_MISMATCH");
    CHECK(v["key"] == fingerprint(fx.key("alice")));
    CHECK_THAT(text_of(v["message"]), Contains(email("alice") + "'s key"));
  }
  SECTION("a signature in git's namespace: E_BAD_NAMESPACE") {
    commit_approval(fx, pr.id, "bob", bob.payload, ssh_sign(fx.key("bob"), bob.payload, "git"));
    Json v = refused_approval(fx, pr.id, "bob", "E_BAD_NAMESPACE");
    CHECK_THAT(text_of(v["message"]), Contains("git"));
    CHECK_THAT(text_of(v["message"]), Contains(approval_file(pr.id, "bob") + ".sig"));
  }
}

TEST_CASE("approvals: a payload that approves something else", "[approvals][attacks]") {
  PullRequest pr;
  const ApprovalFixture& fx = pr.fx;
  const SignedApproval bob = fx.print_approval("bob", pr.id);
  // Bob signs, with his own key, a payload that differs from the request in one field.
  auto bob_signs = [&](const std::string& key, const std::string& value) {
    const std::string payload = with_value(bob.payload, key, value);
    commit_approval(fx, pr.id, "bob", payload, ssh_sign(fx.key("bob"), payload));
    Json v = refused_approval(fx, pr.id, "bob", "E_PAYLOAD_MISMATCH");
    CHECK_THAT(text_of(v["message"]), Contains(approval_file(pr.id, "bob")));
    return text_of(v["message"]);
  };
  SECTION("another stage") { CHECK_THAT(bob_signs("to_stage", "Staging"), Contains("to_stage Staging != Production")); }
  SECTION("another registry") {
    CHECK_THAT(bob_signs("registry", "test/staging-registry"), Contains("registry test/staging-registry != test/registry"));
  }
  SECTION("another version") { CHECK_THAT(bob_signs("version", "2"), Contains("version 2 != 1")); }
  SECTION("another request file") { CHECK_THAT(bob_signs("request_sha256", std::string(64, '0')), Contains("request_sha256")); }
  SECTION("bob's approval of another request copied into this one") {
    const std::string other = fx.request("carol", 2);
    const SignedApproval theirs = fx.print_approval("bob", other);
    commit_approval(fx, pr.id, "bob", theirs.payload, theirs.signature);
    Json v = refused_approval(fx, pr.id, "bob", "E_PAYLOAD_MISMATCH");
    CHECK_THAT(text_of(v["message"]), Contains("version 2 != 1"));
    CHECK_THAT(text_of(v["message"]), Contains("request_id " + other + " != " + pr.id));
  }
}

TEST_CASE("approvals: keys that expired or were revoked, approvals that expired", "[approvals][attacks]") {
  ApprovalFixture fx;
  const std::string id = fx.request("carol", 1);
  REQUIRE_EXIT(fx.approve("bob", id), 0);
  const SignedApproval alice = fx.print_approval("alice", id);
  const std::string path = approval_file(id, "alice");

  SECTION("an approval past its own expires_at: E_APPROVAL_EXPIRED") {
    std::string payload = with_value(alice.payload, "issued_at", time_from_now(-3 * 86400));
    payload = with_value(payload, "expires_at", time_from_now(-86400));
    commit_approval(fx, id, "alice", payload, ssh_sign(fx.key("alice"), payload));
    Report r = fx.verify({"--base", "base"});
    CHECK(r.approval(path)["verdict"] == "E_APPROVAL_EXPIRED");
    CHECK_THAT(text_of(r.approval(path)["message"]), Contains(path));
  }
  SECTION("an approval valid for longer than the rule allows: E_APPROVAL_TOO_LONG") {
    const std::string payload = with_value(alice.payload, "expires_at", time_from_now(60 * 86400));
    commit_approval(fx, id, "alice", payload, ssh_sign(fx.key("alice"), payload));
    CHECK(fx.verify({"--base", "base"}).approval(path)["verdict"] == "E_APPROVAL_TOO_LONG");
  }

  // The policy on the main branch now says alice's key was valid until 2020.
  auto new_base = [&](const std::string& policy) {
    REQUIRE(fx.propose_policy(policy, {"admin1", "admin2"}) == 3);
    fx.reg.git_ok({"branch", "-f", "base"});
  };
  SECTION("an expired key, however the approval is dated: E_KEY_EXPIRED") {
    new_base(with_key_field(fx.policy_text(2), "alice", "valid_before: 2020-01-01T00:00:00Z"));
    const std::string expected = "valid until 2020-01-01T00:00:00Z";
    SECTION("approved now") {
      CHECK(fx.approve("alice", id).status == 7);  // mreg approve refuses to sign with it
      commit_approval(fx, id, "alice", alice.payload, alice.signature);  // signed before the change
    }
    SECTION("a back-dated payload in a back-dated commit") {
      std::string payload = with_value(alice.payload, "issued_at", "2019-12-01T00:00:00Z");
      payload = with_value(payload, "expires_at", "2019-12-15T00:00:00Z");
      payload = with_value(payload, "policy_version", "3");
      commit_approval(fx, id, "alice", payload, ssh_sign(fx.key("alice"), payload),
                      {"GIT_COMMITTER_DATE=2019-12-01T00:00:00Z", "GIT_AUTHOR_DATE=2019-12-01T00:00:00Z"});
    }
    Report r = fx.verify({"--base", "base"});
    Json v = r.approval(path);
    CHECK(v["verdict"] == "E_KEY_EXPIRED");
    CHECK_THAT(text_of(v["message"]), Contains(fingerprint(fx.key("alice"))));
    CHECK_THAT(text_of(v["message"]), Contains(expected));
    CHECK(r.has("E_THRESHOLD_NOT_MET"));
    // Applying it is refused, even by a commit that claims an old date.
    for (const auto& env : {Strings{}, Strings{"GIT_COMMITTER_DATE=2019-12-02T00:00:00Z", "GIT_AUTHOR_DATE=2019-12-02T00:00:00Z"}}) {
      const std::string before = fx.reg.state();
      Result applied = fx.reg.mreg({"apply", "m", id}, env);
      INFO(describe(applied));
      CHECK(applied.status == 7);
      CHECK_THAT(applied.err, Contains("E_KEY_EXPIRED"));
      CHECK(fx.reg.state() == before);
    }
  }
  SECTION("a revoked key: E_KEY_REVOKED") {
    new_base(with_revoked_key(fx.policy_text(2), public_key_line(fx.key("alice")), "laptop stolen"));
    Result refused = fx.approve("alice", id);
    CHECK(refused.status == 7);
    CHECK_THAT(refused.err, Contains("revoked"));
    commit_approval(fx, id, "alice", alice.payload, alice.signature);  // signed before the revocation
    Json v = fx.verify({"--base", "base"}).approval(path);
    CHECK(v["verdict"] == "E_KEY_REVOKED");
    CHECK_THAT(text_of(v["message"]), Contains(fingerprint(fx.key("alice"))));
    CHECK_THAT(text_of(v["message"]), Contains("laptop stolen"));
    // The exported allowed_signers leaves the revoked key out.
    CHECK_THAT(fx.reg.show(".mreg/allowed_signers"), !Contains(public_key_line(fx.key("alice")).substr(12, 40)));
  }
  SECTION("a move applied before the key expired stays justified") {
    commit_approval(fx, id, "alice", alice.payload, alice.signature);
    REQUIRE_EXIT(fx.reg.mreg({"apply", "m", id}), 0);
    REQUIRE(fx.propose_policy(with_key_field(fx.policy_text(2), "alice", "valid_before: 2020-01-01T00:00:00Z"),
                              {"admin1", "admin2"}) == 3);
    Report r = fx.verify();
    CHECK(r.ok());
    CHECK(r.json["policy_version"] == 3);
  }
}

TEST_CASE("approvals: a request used twice", "[approvals][attacks]") {
  ApprovalFixture fx;
  const std::string id = fx.approved_request(1);
  REQUIRE_EXIT(fx.reg.mreg({"apply", "m", id}), 0);
  // Demoted, through a request of its own (a move out of Production needs approval too).
  const std::string back = fx.request("carol", 1, "Staging");
  REQUIRE_EXIT(fx.approve("alice", back), 0);
  REQUIRE_EXIT(fx.approve("bob", back), 0);
  REQUIRE_EXIT(fx.reg.mreg({"apply", "m", back, "--comment", "roll back"}), 0);
  fx.reg.git_ok({"branch", "-f", "base"});

  SECTION("mreg stage --request and mreg apply refuse it") {
    for (const auto& args : {Strings{"stage", "m", "1", "Production", "--request", id}, Strings{"apply", "m", id}}) {
      const std::string before = fx.reg.state();
      Result r = fx.reg.mreg(args);
      INFO(describe(r));
      CHECK(r.status > 0);
      CHECK(r.signal == 0);
      CHECK_THAT(r.err, Contains("applied already"));
      CHECK(fx.reg.state() == before);
    }
    CHECK(scalar_line(fx.reg.show("models/m/versions/1.yaml"), "stage") == "Staging");
  }
  SECTION("a pull request that moves it back by hand, naming the old request: E_REPLAY") {
    std::string v1 = fx.reg.show("models/m/versions/1.yaml");
    v1 = replace_line(v1, "stage:", "stage: Production");
    v1 = replace_line(v1, "stage_request:", "stage_request: " + id);  // the demotion's request before
    fx.commit_files({{"models/m/versions/1.yaml", v1}}, "promote again");
    Report pr = fx.verify({"--base", "base"});
    CHECK(pr.codes() == Strings{"E_REPLAY"});
    CHECK(pr.problem("E_REPLAY")["path"] == "models/m/requests/" + id + ".yaml");
    CHECK_THAT(text_of(pr.problem("E_REPLAY")["message"]), Contains(id));
    // Merged anyway: the tree names a request that was consumed by an earlier move.
    Report tree = fx.verify();
    CHECK(tree.has("E_REPLAY"));
  }
}

TEST_CASE("approvals: a protected alias request used twice", "[approvals][attacks]") {
  ApprovalFixture fx;
  // Version 3 protects the champion alias with the same rule.
  const std::string v3 = replace_line(fx.policy_text(2), "    stages:", "    stages: [Production]\n    aliases: [champion]");
  REQUIRE(fx.propose_policy(v3, {"admin1", "admin2"}) == 3);
  Result req = fx.mreg_as("carol", {"-o", "json", "request", "m", "1", "--alias", "champion", "-f", fx.key("carol")});
  REQUIRE_EXIT(req, 0);
  const std::string id = json(req)["request"]["id"];
  REQUIRE_EXIT(fx.approve("alice", id), 0);
  REQUIRE_EXIT(fx.approve("bob", id), 0);
  // Set directly, the alias is refused; through the request it moves and records the request.
  CHECK(fx.reg.mreg({"alias", "set", "m", "champion", "1"}).status == 7);
  REQUIRE_EXIT(fx.reg.mreg({"alias", "set", "m", "champion", "1", "--request", id}), 0);
  CHECK_THAT(fx.reg.show("models/m/model.yaml"), Contains("champion: " + id));
  CHECK(fx.verify().ok());
  // Taken away, then put back by hand naming the same request: E_REPLAY.
  CHECK(fx.reg.mreg({"alias", "delete", "--yes", "m", "champion"}).status == 7);
  Result rm = fx.mreg_as("carol", {"-o", "json", "request", "m", "1", "--remove-alias", "champion", "-f", fx.key("carol")});
  REQUIRE_EXIT(rm, 0);
  const std::string removal = json(rm)["request"]["id"];
  REQUIRE_EXIT(fx.approve("alice", removal), 0);
  REQUIRE_EXIT(fx.approve("bob", removal), 0);
  REQUIRE_EXIT(fx.reg.mreg({"apply", "m", removal}), 0);
  CHECK_THAT(fx.reg.show("models/m/model.yaml"), !Contains("champion"));
  CHECK(fx.reg.mreg({"apply", "m", id}).status == 8);  // applied already
  std::string model = fx.reg.show("models/m/model.yaml");
  model += "aliases:\n  champion: 1\nalias_requests:\n  champion: " + id + "\n";
  fx.commit_files({{"models/m/model.yaml", model}}, "champion back");
  Report tree = fx.verify();
  CHECK(tree.has("E_REPLAY"));
}

TEST_CASE("approvals: the policy chain", "[approvals][attacks]") {
  ApprovalFixture fx;
  const std::string id = fx.request("carol", 1);
  REQUIRE_EXIT(fx.approve("alice", id), 0);
  // Version 3 makes mallory an approver.
  std::string v3 = with_principal(fx.policy_text(2), "mallory", public_key_line(fx.key("mallory")));
  v3 = replace_line(v3, "    approvers:", "    approvers: [" + email("alice") + ", " + email("bob") + ", " + email("mallory") + "]");

  SECTION("a pull request that adds its own approver is judged by the base's policy") {
    REQUIRE(fx.propose_policy(v3, {"admin1", "admin2"}) == 3);
    REQUIRE_EXIT(fx.approve("mallory", id), 0);
    Report r = fx.verify({"--base", "base"});
    CHECK(r.json["policy_version"] == 2);
    CHECK(r.approval(approval_file(id, "mallory"))["verdict"] == "E_UNKNOWN_KEY");
    CHECK(r.has("E_THRESHOLD_NOT_MET"));
    // Merged, the same tree would verify: the policy is valid, just not the pull request's to use.
    CHECK(fx.verify().json["policy_version"] == 3);
  }
  SECTION("a version signed by one of the two admins: E_POLICY_UNTRUSTED") {
    REQUIRE(fx.propose_policy(v3, {"admin1"}) == 3);
    Report r = fx.verify({"--base", "base"});
    CHECK(r.has("E_POLICY_UNTRUSTED"));
    CHECK(r.problem("E_POLICY_UNTRUSTED")["path"] == ".mreg/policy/3.yaml");
    CHECK_THAT(text_of(r.problem("E_POLICY_UNTRUSTED")["message"]), Contains("signed by 1 of the 2"));
    Report tree = fx.verify();
    CHECK(tree.has("E_POLICY_UNTRUSTED"));
    CHECK(tree.json["policy_version"] == 2);
    Result chain = fx.reg.mreg({"-o", "json", "policy", "verify"});
    CHECK(chain.status == 7);
    CHECK(json(chain)["problems"][0]["code"] == "E_POLICY_UNTRUSTED");
    // The admin who signed alone is still only one, however many times he signs.
    CHECK(fx.mreg_as("admin1", {"policy", "sign", "3", "-f", fx.key("admin1")}).status != 0);
  }
  SECTION("a version signed by a non-admin: E_POLICY_UNTRUSTED, and refused at signing") {
    REQUIRE(fx.propose_policy(v3, {"admin1"}) == 3);
    Result signed_by_carol = fx.mreg_as("carol", {"policy", "sign", "3", "-f", fx.key("carol")});
    CHECK(signed_by_carol.status == 7);
    // By hand: carol's signature file is not counted.
    fx.commit_files({{".mreg/policy/3.yaml.sigs/" + email("carol") + ".sig",
                      ssh_sign(fx.key("carol"), fx.policy_text(3), "mreg-policy-v1")}},
                    "sign by hand");
    Report r = fx.verify();
    CHECK(r.has("E_POLICY_UNTRUSTED"));
    CHECK_THAT(text_of(r.problem("E_POLICY_UNTRUSTED")["message"]), Contains(email("carol") + " is not an admin"));
  }
  SECTION("a version that skips a number: E_POLICY_CHAIN_BROKEN") {
    std::string v4 = replace_line(fx.policy_text(2), "version:", "version: 4");
    fx.commit_files({{".mreg/policy/4.yaml", v4}}, "skip");
    for (const auto& args : {Strings{"--base", "base"}, Strings{}}) {
      Report r = fx.verify(args);
      CHECK(r.has("E_POLICY_CHAIN_BROKEN"));
      CHECK(r.problem("E_POLICY_CHAIN_BROKEN")["path"] == ".mreg/policy/3.yaml");
    }
  }
  SECTION("a version with a wrong previous_sha256: E_POLICY_CHAIN_BROKEN") {
    std::string wrong = replace_line(fx.policy_text(2), "version:", "version: 3");
    wrong = replace_line(wrong, "previous_sha256:", "previous_sha256: " + std::string(64, 'a'));
    fx.commit_files({{".mreg/policy/3.yaml", wrong}}, "fork the chain");
    for (const auto& args : {Strings{"--base", "base"}, Strings{}}) {
      Report r = fx.verify(args);
      CHECK(r.has("E_POLICY_CHAIN_BROKEN"));
      CHECK(r.problem("E_POLICY_CHAIN_BROKEN")["path"] == ".mreg/policy/3.yaml");
      CHECK_THAT(text_of(r.problem("E_POLICY_CHAIN_BROKEN")["message"]), Contains("previous_sha256"));
    }
  }
  SECTION("a wrong trusted root: E_POLICY_ROOT_MISMATCH") {
    const std::string other = "sha256:" + std::string(64, '0');
    Report r = fx.verify({"--trusted-root", other});
    CHECK(r.has("E_POLICY_ROOT_MISMATCH"));
    CHECK(r.problem("E_POLICY_ROOT_MISMATCH")["path"] == ".mreg/policy/1.yaml");
    CHECK_THAT(text_of(r.problem("E_POLICY_ROOT_MISMATCH")["message"]), Contains(other));
    CHECK(fx.verify({"--trusted-root", fx.root}).ok());
  }
  SECTION("version 1 replaced in a pull request: E_APPEND_ONLY_VIOLATION") {
    std::string v1 = fx.policy_text(1);
    v1 = replace_line(v1, "  threshold:", "  threshold: 1");
    fx.commit_files({{".mreg/policy/1.yaml", v1}}, "weaken");
    Report r = fx.verify({"--base", "base"});
    CHECK(r.has("E_APPEND_ONLY_VIOLATION"));
    CHECK(r.problem("E_APPEND_ONLY_VIOLATION")["path"] == ".mreg/policy/1.yaml");
    CHECK(fx.verify().has("E_POLICY_ROOT_MISMATCH"));
  }
}

TEST_CASE("approvals: history rewritten behind a checkpoint", "[approvals][attacks]") {
  ApprovalFixture fx;
  const std::string id = fx.approved_request(1);
  REQUIRE_EXIT(fx.reg.mreg({"apply", "m", id}), 0);
  Report good = fx.verify();
  REQUIRE(good.ok());
  const std::string checkpoint = good.json["checkpoint"];
  const std::string path = approval_file(id, "alice");

  SECTION("reset behind the checkpoint: E_HISTORY_REWRITTEN") {
    fx.reg.git_ok({"reset", "-q", "--hard", "HEAD~2"});
    REQUIRE_EXIT(fx.reg.mreg({"register", "m", "--source", "s3://bucket/m/3"}), 0);
    Report r = fx.verify({"--since", checkpoint});
    CHECK(r.codes() == Strings{"E_HISTORY_REWRITTEN"});
    CHECK_THAT(text_of(r.problem("E_HISTORY_REWRITTEN")["message"]), Contains(checkpoint.substr(0, 12)));
  }
  SECTION("an approval changed in a later commit: E_APPEND_ONLY_VIOLATION") {
    fx.commit_files({{path, fx.reg.show(path) + "\n"}}, "touch");
    Report r = fx.verify({"--since", checkpoint});
    CHECK(r.has("E_APPEND_ONLY_VIOLATION"));
    CHECK(r.problem("E_APPEND_ONLY_VIOLATION")["path"] == path);
    CHECK_THAT(text_of(r.problem("E_APPEND_ONLY_VIOLATION")["message"]), Contains(fx.reg.head().substr(0, 12)));
  }
  SECTION("an approval removed in a later commit: E_APPEND_ONLY_VIOLATION") {
    fx.reg.git_ok({"rm", "-q", path + ".sig"});
    fx.reg.git_ok({"commit", "-q", "-m", "drop"});
    Report r = fx.verify({"--since", checkpoint});
    CHECK(r.has("E_APPEND_ONLY_VIOLATION"));
    CHECK(r.problem("E_APPEND_ONLY_VIOLATION")["path"] == path + ".sig");
    // The tree alone shows the move is no longer justified.
    Report tree = fx.verify();
    CHECK(tree.has("E_THRESHOLD_NOT_MET"));
    CHECK(tree.approval(path)["verdict"] == "E_UNSIGNED");
  }
  SECTION("a later commit dated before its parent: E_BACKDATED_COMMIT") {
    fx.commit_files({{"notes.txt", "x\n"}}, "old", {"GIT_COMMITTER_DATE=2019-12-01T00:00:00Z"});
    CHECK(fx.verify({"--since", checkpoint}).has("E_BACKDATED_COMMIT"));
  }
  SECTION("nothing changed since: ok") {
    CHECK(fx.verify({"--since", checkpoint}).ok());
  }
}

namespace {

// An armored signature with its blob changed by a python3 snippet that edits `b` (bytes).
std::string mutate_signature(const std::string& armored, const std::string& edit) {
  const std::string script =
      "import sys, base64, struct\n"
      "lines = sys.stdin.read().splitlines()\n"
      "b = base64.b64decode(''.join(lines[1:-1]))\n" +
      edit +
      "\ns = base64.b64encode(b).decode()\n"
      "print(lines[0])\n"
      "for i in range(0, len(s), 70): print(s[i:i + 70])\n"
      "print(lines[-1])\n";
  Result r = run({"python3", "-c", script}, "", {}, armored);
  REQUIRE_EXIT(r, 0);
  return r.out;
}

}  // namespace

TEST_CASE("approvals: hostile inputs fail with a stable code, never a crash", "[approvals][attacks]") {
  PullRequest pr;
  const ApprovalFixture& fx = pr.fx;
  const SignedApproval bob = fx.print_approval("bob", pr.id);
  // Bob signs whatever bytes the attacker wants him to: the payload itself must be refused.
  auto signed_payload = [&](const std::string& payload) {
    commit_approval(fx, pr.id, "bob", payload, ssh_sign(fx.key("bob"), payload));
    return refused_approval(fx, pr.id, "bob", "E_MALFORMED_PAYLOAD");
  };
  SECTION("a payload with CRLF line ends") {
    std::string crlf;
    for (char c : bob.payload) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    CHECK_THAT(text_of(signed_payload(crlf)["message"]), Contains("carriage return"));
  }
  SECTION("a payload with a NUL byte") {
    std::string nul = bob.payload;
    nul.insert(nul.find("approver: ") + 10, std::string(1, '\0'));
    CHECK_THAT(text_of(signed_payload(nul)["message"]), Contains("NUL"));
  }
  SECTION("a payload with a key twice") { signed_payload(bob.payload + "approver: " + email("bob") + "\n"); }
  SECTION("a payload with a key left out") {
    signed_payload(replace_line(bob.payload, "from_stage: ", "approver: " + email("bob")));
  }
  SECTION("an oversized payload") { signed_payload(bob.payload + std::string(100000, 'x') + "\n"); }

  auto malformed = [&](const std::string& signature) {
    commit_approval(fx, pr.id, "bob", bob.payload, signature);
    return refused_approval(fx, pr.id, "bob", "E_MALFORMED_SIGNATURE");
  };
  SECTION("a 10 MB signature") {
    std::string huge = "-----BEGIN SSH SIGNATURE-----\n";
    for (int i = 0; i < 150000; ++i) huge += std::string(70, 'A') + "\n";
    huge += "-----END SSH SIGNATURE-----\n";
    malformed(huge);
  }
  SECTION("NUL bytes in the signature") {
    std::string nul = bob.signature;
    nul.insert(40, std::string(3, '\0'));
    malformed(nul);
  }
  SECTION("SSHSIG version 2") { malformed(mutate_signature(bob.signature, "b = b[:6] + struct.pack('>I', 2) + b[10:]")); }
  SECTION("a length past the end") {
    malformed(mutate_signature(bob.signature, "b = b[:10] + struct.pack('>I', 0xfffffff0) + b[14:]"));
  }
  SECTION("trailing bytes in the blob") { malformed(mutate_signature(bob.signature, "b = b + b'\\0\\0'")); }
  SECTION("the blob cut short") { malformed(mutate_signature(bob.signature, "b = b[:len(b) - 20]")); }
  SECTION("an empty namespace") {
    const std::string empty_ns =
        "n = struct.unpack('>I', b[10:14])[0]\n"
        "at = 14 + n\n"
        "m = struct.unpack('>I', b[at:at + 4])[0]\n"
        "b = b[:at] + struct.pack('>I', 0) + b[at + 4 + m:]";
    CHECK_THAT(text_of(malformed(mutate_signature(bob.signature, empty_ns))["message"]), Contains("namespace is empty"));
  }
}

TEST_CASE("approvals: the verdict agrees with ssh-keygen -Y verify on the exported allowed_signers",
          "[approvals][attacks]") {
  ApprovalFixture fx;
  const std::string r1 = fx.request("carol", 1), r2 = fx.request("carol", 1), r3 = fx.request("carol", 1);
  const SignedApproval a1 = fx.print_approval("alice", r1), b1 = fx.print_approval("bob", r1);
  const SignedApproval a2 = fx.print_approval("alice", r2);
  const SignedApproval a3 = fx.print_approval("alice", r3), b3 = fx.print_approval("bob", r3);
  struct Fixture {
    std::string name, request, who, payload, signature;
    std::string path() const { return approval_file(request, who); }
  };
  const std::vector<Fixture> cases{
      {"good", r1, "alice", a1.payload, a1.signature},
      {"good", r1, "bob", b1.payload, b1.signature},
      {"tampered", r2, "alice", with_value(a2.payload, "expires_at", time_from_now(10 * 86400)), a2.signature},
      {"wrong principal", r2, "bob", a2.payload, a2.signature},
      {"wrong namespace", r3, "alice", a3.payload, ssh_sign(fx.key("alice"), a3.payload, "git")},
      {"unknown key", r3, "bob", b3.payload, ssh_sign(fx.key("mallory"), b3.payload)}};
  for (const auto& c : cases) {
    write_file(fx.reg.path() + "/" + c.path(), c.payload);
    write_file(fx.reg.path() + "/" + c.path() + ".sig", c.signature);
  }
  fx.commit_files({}, "fixtures");

  // The same files under the policy in force, then under one where alice's key has expired.
  for (const bool expired : {false, true}) {
    if (expired) {
      REQUIRE(fx.propose_policy(with_key_field(fx.policy_text(2), "alice", "valid_before: 2020-01-01T00:00:00Z"),
                                {"admin1", "admin2"}) == 3);
    }
    const std::string signers = fx.reg.show(".mreg/allowed_signers");
    Report r = fx.verify();  // open requests are listed with the verdict on each approval
    for (const auto& c : cases) {
      const Json v = r.approval(c.path());
      const bool ours = v["verdict"] == "OK";
      const bool theirs = ssh_verify(signers, email(c.who), c.signature, c.payload);
      INFO(c.name << " " << c.who << (expired ? " (alice's key expired)" : "") << ": " << v.dump());
      CHECK(ours == theirs);
      CHECK(ours == (c.name == "good" && !(expired && c.who == "alice")));
    }
    CHECK(r.approval(approval_file(r1, "alice"))["verdict"] == (expired ? "E_KEY_EXPIRED" : "OK"));
  }
}
