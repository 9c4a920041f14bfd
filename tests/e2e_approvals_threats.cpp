// The threats of docs/approvals.md ("Threats and what stops them"), one test each, with real
// keys and real merges made with plain git: each threat is refused (exit 7, nothing written) or
// fails `mreg verify` (exit 7) with its stable code, and the approved path of each still works.
//
// Covered elsewhere with the same strength, and not repeated here:
// - removals made directly with the CLI (`mreg version delete`, `mreg model delete`, `mreg stage`
//   out of Production) are refused with the request to make: e2e_approvals_removals.cpp,
//   "removing protected state directly is refused with the request to make"; `mreg alias delete`
//   of a protected alias: e2e_approvals_attacks.cpp, "approvals: a protected alias request used twice";
// - the requester's own approval (E_SELF_APPROVAL) and an approval signed as someone else
//   (E_PRINCIPAL_MISMATCH): e2e_approvals_attacks.cpp, "approvals: signatures by the wrong key or person";
// - `mreg reject` by a non-approver and `mreg cancel` by someone else, refused at the command:
//   e2e_approvals_removals.cpp, "only an approver rejects and only the requester or an admin cancels".
#include "support/approvals.h"
#include "support/lifecycle.h"

using namespace e2e;
using Catch::Matchers::Contains;
using Catch::Matchers::VectorContains;
using Strings = std::vector<std::string>;

namespace {

std::string version_file(int version, const std::string& model = "m") {
  return "models/" + model + "/versions/" + std::to_string(version) + ".yaml";
}

std::string stage_of(const ApprovalFixture& fx, int version, const std::string& model = "m") {
  return scalar_line(fx.reg.show(version_file(version, model)), "stage");
}

bool has_file(const ApprovalFixture& fx, const std::string& path) {
  const Strings files = fx.reg.files();
  return std::find(files.begin(), files.end(), path) != files.end();
}

// text without the lines that start with one of the prefixes.
std::string without_lines(const std::string& text, const Strings& prefixes) {
  std::string out;
  for (const auto& line : lines(text)) {
    bool drop = false;
    for (const auto& p : prefixes) drop = drop || line.rfind(p, 0) == 0;
    if (!drop) out += line + "\n";
  }
  return out;
}

// A verification that failed (exit 7) naming `code` for `path`, and gave no checkpoint.
void expect_failed_verify(const Report& r, const std::string& code, const std::string& path) {
  INFO(r.json.dump(2));
  CHECK(r.result.status == 7);
  CHECK_THAT(r.paths(code), VectorContains(path));
  CHECK_FALSE(r.json.contains("checkpoint"));
}

// A verification that passed (exit 0).
void expect_passed_verify(const Report& r) {
  INFO(r.json.dump(2));
  CHECK(r.result.status == 0);
  CHECK(r.codes().empty());
}

// The main branch moves on while a pull request is open (another model is registered), and is
// verified: the checkpoint that this last verification of main before the merge prints.
std::string main_moves_on(const ApprovalFixture& fx, const std::string& main) {
  fx.reg.git_ok({"checkout", "-q", main});
  REQUIRE_EXIT(fx.mreg_as("admin1", {"register", "other", "--create-model", "--source", "s3://bucket/other/1"}), 0);
  Report r = fx.verify();
  INFO(r.json.dump(2));
  REQUIRE(r.ok());
  return r.json["checkpoint"];
}

// The main branch of a registry whose policy (version 3) protects Production and the alias
// champion: m v1 is in Production and m v2 holds champion, each through an approved, applied
// request.
struct ProtectedMain {
  ApprovalFixture fx;
  const std::string main = fx.branch();
  ProtectedMain() {
    REQUIRE(fx.adopt_policy(with_rule_line(fx.policy_text(2), "aliases", "[champion]")) == 3);
    REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", fx.approved_request(1)}), 0);
    REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", fx.approved_request(2, {"--alias", "champion"})}), 0);
    REQUIRE(stage_of(fx, 1) == "Production");
    REQUIRE_THAT(fx.reg.show("models/m/model.yaml"), Contains("champion: 2"));
    REQUIRE(fx.verify().ok());
  }
};

// m v1 moved into `stage` by a hand edit of its file.
void stage_v1_by_hand(const ApprovalFixture& fx, const std::string& stage) {
  write_file(fx.reg.path() + "/" + version_file(1), replace_line(fx.reg.show(version_file(1)), "stage:", "stage: " + stage));
}

// What a command that removes protected state would write, done by hand.
struct HandRemoval {
  std::string command;  // the command it stands for
  std::string path;     // the file E_REMOVAL_NOT_JUSTIFIED names
  void (*edit)(const ApprovalFixture&);
  void (*before)(const ApprovalFixture&) = nullptr;  // what happens on main first
};

const std::vector<HandRemoval>& hand_removals() {
  static const std::vector<HandRemoval> all{
      {"mreg version delete m 1", version_file(1),
       [](const ApprovalFixture& fx) { fx.reg.git_ok({"rm", "-q", version_file(1)}); }},
      {"mreg alias delete m champion", "models/m/model.yaml",
       [](const ApprovalFixture& fx) {
         const std::string model = fx.reg.show("models/m/model.yaml");
         write_file(fx.reg.path() + "/models/m/model.yaml",
                    without_lines(model, {"aliases:", "alias_requests:", "  champion:"}));
       }},
      {"mreg model delete m", version_file(1),
       [](const ApprovalFixture& fx) { fx.reg.git_ok({"rm", "-q", "-r", "models/m"}); }},
      {"mreg stage m 1 Staging", version_file(1), [](const ApprovalFixture& fx) { stage_v1_by_hand(fx, "Staging"); }},
      // The approved request that took v1 out of Production once has acted: it does not cover this.
      {"mreg stage m 1 Archived (after v1 left Production and came back through requests)", version_file(1),
       [](const ApprovalFixture& fx) { stage_v1_by_hand(fx, "Archived"); },
       [](const ApprovalFixture& fx) {
         for (const char* to : {"Staging", "Production"})
           REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", fx.approved_request(1, {"--to", to})}), 0);
       }},
  };
  return all;
}

}  // namespace

TEST_CASE("threat: protected state removed by hand on a branch, merged into main in any way",
          "[approvals][threats]") {
  for (const auto& removal : hand_removals())
    for (const auto& [how, merge_name] : kMerges)
      SECTION(removal.command + " by hand, brought in by " + merge_name) {
        ProtectedMain p;
        const ApprovalFixture& fx = p.fx;
        if (removal.before) removal.before(fx);
        fx.reg.git_ok({"checkout", "-q", "-b", "tidy-up"});
        removal.edit(fx);
        fx.commit_files({}, "tidy up", as("mallory"));
        const std::string checkpoint = main_moves_on(fx, p.main);

        // CI on the pull request.
        fx.reg.git_ok({"checkout", "-q", "tidy-up"});
        expect_failed_verify(fx.verify({"--base", p.main}), "E_REMOVAL_NOT_JUSTIFIED", removal.path);

        // Merged anyway: main has the branch's m, and every mode of verify fails on it.
        merge_branch(fx.reg.path(), p.main, "tidy-up", how);
        REQUIRE(fx.branch() == p.main);
        CHECK(fx.reg.git_ok({"diff", "--name-only", "tidy-up", "HEAD", "--", "models/m"}).empty());
        expect_failed_verify(fx.verify({"--since", checkpoint}), "E_REMOVAL_NOT_JUSTIFIED", removal.path);
        // Tree mode reads every step since the policy was adopted.
        expect_failed_verify(fx.verify(), "E_REMOVAL_NOT_JUSTIFIED", removal.path);
      }
}

TEST_CASE("threat: the same removals, requested and approved on a branch, pass after any merge",
          "[approvals][threats]") {
  struct Approved {
    std::string name;
    int version;
    Strings change;
    bool (*done)(const ApprovalFixture&);
  };
  const std::vector<Approved> approved{
      {"an approved --delete of m v1", 1, {"--delete"},
       [](const ApprovalFixture& fx) { return !has_file(fx, version_file(1)); }},
      {"an approved --remove-alias champion", 2, {"--remove-alias", "champion"},
       [](const ApprovalFixture& fx) { return fx.reg.show("models/m/model.yaml").find("champion") == std::string::npos; }},
      {"an approved move of m v1 to Staging", 1, {"--to", "Staging"},
       [](const ApprovalFixture& fx) { return stage_of(fx, 1) == "Staging"; }},
      {"an approved move of champion from m v2 to m v1", 1, {"--alias", "champion"},
       [](const ApprovalFixture& fx) { return scalar_line(fx.reg.show("models/m/model.yaml"), "  champion") == "1"; }},
  };
  for (const auto& a : approved)
    for (const auto& [how, merge_name] : kMerges)
      SECTION(a.name + ", applied on the branch, brought in by " + merge_name) {
        ProtectedMain p;
        const ApprovalFixture& fx = p.fx;
        fx.reg.git_ok({"checkout", "-q", "-b", "retire"});
        const std::string id = fx.approved_request(a.version, a.change);
        REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
        REQUIRE(a.done(fx));
        const std::string checkpoint = main_moves_on(fx, p.main);

        fx.reg.git_ok({"checkout", "-q", "retire"});
        Report pr = fx.verify({"--base", p.main});
        expect_passed_verify(pr);
        CHECK_FALSE(pr.json.contains("checkpoint"));

        merge_branch(fx.reg.path(), p.main, "retire", how);
        REQUIRE(fx.branch() == p.main);
        CHECK(a.done(fx));
        Report since = fx.verify({"--since", checkpoint});
        expect_passed_verify(since);
        CHECK(since.json["checkpoint"] == fx.reg.head());
        expect_passed_verify(fx.verify());
      }
  SECTION("the model itself is never deleted: its requests are kept for good") {
    ProtectedMain p;
    const ApprovalFixture& fx = p.fx;
    REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", fx.approved_request(1, {"--delete"})}), 0);
    REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", fx.approved_request(2, {"--remove-alias", "champion"})}), 0);
    expect_refused(fx.reg, {"model", "delete", "--yes", "m"}, 6, "requests");
    expect_passed_verify(fx.verify());
  }
}

TEST_CASE("threat: a grandfathered Production version edited by hand", "[approvals][threats]") {
  // m v1 was in Production when the registry adopted policy version 1.
  ApprovalFixture fx(false, Adoption::V1InProduction);
  const std::string main = fx.branch();
  Report adopted = fx.verify();
  INFO(adopted.json.dump(2));
  REQUIRE(adopted.ok());
  REQUIRE(adopted.json["states"].size() == 1);
  CHECK(adopted.json["states"][0]["verdict"] == "grandfathered");

  for (const auto& [how, merge_name] : kMerges) {
    SECTION("its source changed on a branch, brought in by " + merge_name) {
      fx.reg.git_ok({"checkout", "-q", "-b", "swap"});
      fx.commit_files({{version_file(1), replace_line(fx.reg.show(version_file(1)), "source:", "source: s3://evil/m/1")}},
                      "point m v1 at the retrained files", as("mallory"));
      const std::string checkpoint = main_moves_on(fx, main);
      fx.reg.git_ok({"checkout", "-q", "swap"});
      expect_failed_verify(fx.verify({"--base", main}), "E_DIGEST_MISMATCH", version_file(1));

      merge_branch(fx.reg.path(), main, "swap", how);
      REQUIRE(scalar_line(fx.reg.show(version_file(1)), "source") == "s3://evil/m/1");
      expect_failed_verify(fx.verify({"--since", checkpoint}), "E_DIGEST_MISMATCH", version_file(1));
      expect_failed_verify(fx.verify(), "E_GRANDFATHERED_CHANGED", version_file(1));
    }
    SECTION("left as it was by a branch that changes m otherwise, brought in by " + merge_name) {
      fx.reg.git_ok({"checkout", "-q", "-b", "more"});
      REQUIRE_EXIT(fx.mreg_as("carol", {"register", "m", "--source", "s3://bucket/m/3"}), 0);
      REQUIRE_EXIT(fx.mreg_as("carol", {"version", "tag", "set", "m", "1", "owner", "risk"}), 0);
      const std::string checkpoint = main_moves_on(fx, main);
      fx.reg.git_ok({"checkout", "-q", "more"});
      expect_passed_verify(fx.verify({"--base", main}));

      merge_branch(fx.reg.path(), main, "more", how);
      REQUIRE(has_file(fx, version_file(3)));
      expect_passed_verify(fx.verify({"--since", checkpoint}));
      Report tree = fx.verify();
      expect_passed_verify(tree);
      REQUIRE(tree.json["states"].size() == 1);
      CHECK(tree.json["states"][0]["verdict"] == "grandfathered");
    }
  }
}

TEST_CASE("threat: a requester who takes another's git identity cannot approve her own request",
          "[approvals][threats]") {
  ApprovalFixture fx;
  REQUIRE_THAT(fx.policy_text(2), Contains("allow_self_approval: false"));
  // alice, an approver, works in this clone with git's identity set to carol's; mreg and git
  // take it from git config (the test identity of the environment is taken away).
  fx.reg.git_ok({"config", "user.name", "carol"});
  fx.reg.git_ok({"config", "user.email", email("carol")});
  const Strings from_config{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"};

  SECTION("mreg request refuses to sign carol's request with alice's key") {
    expect_refused(fx.reg, {"request", "m", "1", "--to", "Production", "-f", fx.key("alice")}, 7,
                   "is not a key of " + email("carol"), from_config);
    expect_failed(fx.reg, {"request", "m", "1", "--to", "Production"}, "no signing key", from_config);
  }
  SECTION("a request naming carol, signed by alice and committed as carol, then approved by alice and bob") {
    // The fields of a request carol really made, written again under a new id.
    const std::string real = fx.request("carol", 1);
    const std::string id = "20261201T000000Z-a11c", path = "models/m/requests/" + id + ".yaml";
    const std::string text = replace_line(fx.reg.show("models/m/requests/" + real + ".yaml"), "id:", "id: " + id);
    REQUIRE_THAT(text, Contains("requested_by: carol <" + email("carol") + ">"));
    write_file(fx.reg.path() + "/" + path, text);
    write_file(fx.reg.path() + "/" + path + ".sig", ssh_sign(fx.key("alice"), text, "mreg-request-v1"));
    fx.reg.git_ok({"add", "-A"});
    fx.reg.git_ok({"commit", "-q", "-m", "request m v1 -> Production"}, from_config);
    REQUIRE(fx.reg.git_ok({"log", "-1", "--format=%ae"}) == email("carol"));
    fx.approve_by_reviewers(id);

    Report pr = fx.verify({"--base", "base"});
    expect_failed_verify(pr, "E_REQUESTER_UNPROVEN", path);
    CHECK(pr.request(id)["justified"] == false);
    CHECK_THAT(pr.problem("E_REQUESTER_UNPROVEN")["message"].get<std::string>(), Contains(email("carol")));
    expect_refused(fx.reg, {"apply", "m", id}, 7, "E_REQUESTER_UNPROVEN", as("alice"));
    expect_refused(fx.reg, {"stage", "m", "1", "Production", "--request", id}, 7, "E_REQUESTER_UNPROVEN", as("alice"));
    CHECK(stage_of(fx, 1) == "None");
  }
  SECTION("her own request, approved with git's identity set to bob's") {
    const std::string own = fx.request("alice", 1);
    fx.reg.git_ok({"config", "user.name", "bob"});
    fx.reg.git_ok({"config", "user.email", email("bob")});
    expect_refused(fx.reg, {"approve", "m", own, "-f", fx.key("alice"), "--yes"}, 7, "is not a key of " + email("bob"),
                   from_config);
    CHECK_FALSE(has_file(fx, approval_file(own, "bob")));
  }
  SECTION("the approved path: carol's own signed request, approved by alice and bob") {
    const std::string id = fx.approved_request(1);
    expect_passed_verify(fx.verify({"--base", "base"}));
    REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
    CHECK(stage_of(fx, 1) == "Production");
    expect_passed_verify(fx.verify());
  }
}

TEST_CASE("threat: a model named like a rule's pattern but for case", "[approvals][threats]") {
  ApprovalFixture fx;
  // Version 3 protects Production of fraud-* models only.
  REQUIRE(fx.adopt_policy(with_rule_line(fx.policy_text(2), "models", "[\"fraud-*\"]")) == 3);
  REQUIRE_EXIT(fx.mreg_as("carol", {"register", "Fraud-B", "--create-model", "--source", "s3://bucket/fraud-b/1"}), 0);
  fx.reg.git_ok({"branch", "-f", "base"});
  // What the rule does not name is open now.
  REQUIRE_EXIT(fx.mreg_as("carol", {"stage", "m", "1", "Production"}), 0);

  SECTION("mreg stage Fraud-B 1 Production is refused") {
    expect_refused(fx.reg, {"stage", "Fraud-B", "1", "Production"}, 7, "mreg request Fraud-B 1 --to Production",
                   as("carol"));
    CHECK(stage_of(fx, 1, "Fraud-B") == "None");
  }
  SECTION("a hand edit into Production fails verify") {
    fx.commit_files({{version_file(1, "Fraud-B"),
                      replace_line(fx.reg.show(version_file(1, "Fraud-B")), "stage:", "stage: Production")}},
                    "promote by hand", as("mallory"));
    expect_failed_verify(fx.verify({"--base", "base"}), "E_STAGE_NOT_JUSTIFIED", version_file(1, "Fraud-B"));
    expect_failed_verify(fx.verify(), "E_STAGE_NOT_JUSTIFIED", version_file(1, "Fraud-B"));
  }
  SECTION("the approved path") {
    const std::string id = fx.approved_request(1, {"--to", "Production"}, "Fraud-B");
    expect_passed_verify(fx.verify({"--base", "base"}));
    REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "Fraud-B", id}), 0);
    CHECK(stage_of(fx, 1, "Fraud-B") == "Production");
    expect_passed_verify(fx.verify());
  }
}

namespace {

// A closing of request ID as FORMAT.md describes it, signed with who's key, and committed as
// `mreg reject` or `mreg cancel` commits one (its trailers), as who.
void commit_closing(const ApprovalFixture& fx, const std::string& id, const std::string& who,
                    const std::string& outcome) {
  const std::string request = "models/m/requests/" + id + ".yaml";
  const std::string sha = sh_ok("sha256sum " + request + " | cut -c1-64", fx.reg.path());
  const std::string payload = "mreg-closing/v1\nregistry: test/registry\nmodel: m\nrequest_id: " + id +
                              "\nrequest_sha256: " + trim(sha) + "\noutcome: " + outcome + "\nprincipal: " + email(who) +
                              "\nissued_at: " + time_from_now(0) + "\n";
  const std::string path = "models/m/approvals/" + id + "/" + email(who) + (outcome == "reject" ? ".rejection" : ".cancellation");
  write_file(fx.reg.path() + "/" + path, payload);
  write_file(fx.reg.path() + "/" + path + ".sig", ssh_sign(fx.key(who), payload, "mreg-closing-v1"));
  fx.reg.git_ok({"add", "-A"});
  fx.reg.git_ok({"commit", "-q", "-m",
                 outcome + " request " + id + "\n\nMreg-Op: " + outcome + "\nMreg-Model: m\nMreg-Version: 1\nMreg-Request: " + id},
                as(who));
}

std::string outcome_of(const ApprovalFixture& fx, const std::string& id) {
  const nlohmann::json status = json(fx.reg.mreg({"-o", "json", "status", "--all"}));
  for (const auto& r : status["requests"])
    if (r["id"] == id) return r["outcome"];
  FAIL("no request " << id << " in mreg status --all");
  return "";
}

// Moves `version` into Production by hand, naming request `id`; the pull request's verify,
// which must fail.
Report promote_by_hand_naming(const ApprovalFixture& fx, int version, const std::string& id) {
  fx.commit_files({{version_file(version), replace_line(fx.reg.show(version_file(version)), "stage:",
                                                        "stage: Production\nstage_request: " + id)}},
                  "promote by hand", as("mallory"));
  Report pr = fx.verify({"--base", "base"});
  INFO(pr.json.dump(2));
  CHECK(pr.result.status == 7);
  return pr;
}

}  // namespace

TEST_CASE("threat: a rejection or cancellation by someone not entitled to it", "[approvals][threats]") {
  ApprovalFixture fx;
  const std::string id = fx.approved_request(1);

  for (const auto& [who, outcome] : std::vector<std::pair<std::string, std::string>>{
           {"carol", "reject"},  // listed, but approves nothing
           {"bob", "cancel"}}) {  // an approver, but neither the requester nor an admin
    SECTION("signed by " + who + ": " + outcome + " is ignored, the request still applies") {
      commit_closing(fx, id, who, outcome);
      CHECK(outcome_of(fx, id) == "open");
      Report pr = fx.verify({"--base", "base"});
      expect_passed_verify(pr);
      CHECK(pr.request(id)["state"] == "open");
      CHECK(pr.request(id)["justified"] == true);
      REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
      CHECK(stage_of(fx, 1) == "Production");
      expect_passed_verify(fx.verify());
      CHECK(outcome_of(fx, id) == "applied");
    }
  }
  for (const auto& [who, outcome, by_hand] : std::vector<std::tuple<std::string, std::string, bool>>{
           {"alice", "reject", false}, {"alice", "reject", true}, {"carol", "cancel", false}, {"carol", "cancel", true}}) {
    SECTION(outcome + " by " + who + (by_hand ? ", written by hand" : ", with mreg") + " takes effect") {
      if (by_hand) commit_closing(fx, id, who, outcome);
      else REQUIRE_EXIT(fx.mreg_as(who, {outcome, "m", id, "-f", fx.key(who)}), 0);
      const std::string closed = outcome == "reject" ? "rejected" : "cancelled";
      CHECK(outcome_of(fx, id) == closed);
      CHECK(fx.verify({"--base", "base"}).request(id)["state"] == closed);
      expect_refused(fx.reg, {"apply", "m", id}, 8, closed + " already", as("carol"));
      CHECK(stage_of(fx, 1) == "None");
    }
  }
  SECTION("a closing nobody entitled signed does not spare a pull request the request's approvals") {
    // m v2 moved into Production by hand, naming a request nobody approved, which mallory
    // "rejects" with a commit that only says so.
    const std::string open = fx.request("carol", 2);
    fx.commit_files({{version_file(2), replace_line(fx.reg.show(version_file(2)), "stage:",
                                                    "stage: Production\nstage_request: " + open)}},
                    "promote by hand", as("mallory"));
    fx.reg.git_ok({"commit", "-q", "--allow-empty", "-m",
                   "reject request " + open + "\n\nMreg-Op: reject\nMreg-Model: m\nMreg-Version: 2\nMreg-Request: " + open},
                  as("mallory"));
    Report pr = fx.verify({"--base", "base"});
    INFO(pr.json.dump(2));
    CHECK(pr.result.status == 7);
    CHECK(pr.has("E_THRESHOLD_NOT_MET"));
    CHECK(pr.request(open)["state"] == "open");
  }
  SECTION("a rejected request that a move made by hand names is still judged on its approvals") {
    const std::string rejected = fx.request("carol", 2);
    REQUIRE_EXIT(fx.mreg_as("alice", {"reject", "m", rejected, "-f", fx.key("alice")}), 0);
    Report pr = promote_by_hand_naming(fx, 2, rejected);
    CHECK(pr.has("E_THRESHOLD_NOT_MET"));
    CHECK(pr.has("E_REQUEST_CLOSED"));
  }
  SECTION("an approved request rejected afterwards justifies no move made by hand") {
    const std::string id = fx.approved_request(2);
    REQUIRE_EXIT(fx.mreg_as("alice", {"reject", "m", id, "-f", fx.key("alice")}), 0);
    CHECK(fx.mreg_as("carol", {"apply", "m", id}).status != 0);
    Report pr = promote_by_hand_naming(fx, 2, id);
    CHECK(pr.has("E_REQUEST_CLOSED"));
    Report tree = fx.verify({});
    CHECK(tree.result.status == 7);
    CHECK(tree.has("E_REQUEST_CLOSED"));
    Result gate = fx.mreg_as("carol", {"resolve", "--verified", "--branch", fx.branch(), "models:/m/Production"});
    CHECK(gate.status == 7);
    CHECK_THAT(gate.err, Contains("E_REQUEST_CLOSED"));
  }
}

TEST_CASE("threat: a checkpoint taken from a pull request, unusable after a squash or rebase",
          "[approvals][threats]") {
  for (const auto& [how, merge_name] : kMerges)
    SECTION("an approved promotion brought in by " + merge_name) {
      ApprovalFixture fx;
      const std::string main = fx.branch();
      fx.reg.git_ok({"checkout", "-q", "-b", "promote"});
      const std::string id = fx.approved_request(1);

      // Pull-request mode gives no checkpoint, in JSON or in the table.
      Report pr = fx.verify({"--base", main});
      expect_passed_verify(pr);
      CHECK_FALSE(pr.json.contains("checkpoint"));
      Result table = fx.reg.mreg({"verify", "--base", main});
      REQUIRE_EXIT(table, 0);
      CHECK_THAT(table.out, !Contains("checkpoint"));
      const std::string branch_head = fx.reg.head();

      const std::string checkpoint = main_moves_on(fx, main);
      merge_branch(fx.reg.path(), main, "promote", how);
      Report merged = fx.verify({"--since", checkpoint});
      expect_passed_verify(merged);
      CHECK(merged.json["checkpoint"] == fx.reg.head());

      REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
      REQUIRE(stage_of(fx, 1) == "Production");
      Report applied = fx.verify({"--since", checkpoint});
      expect_passed_verify(applied);
      CHECK(applied.json["checkpoint"] == fx.reg.head());
      REQUIRE(applied.json["states"].size() == 1);
      CHECK(applied.json["states"][0]["verdict"] == "justified");
      expect_passed_verify(fx.verify({"--since", applied.json["checkpoint"].get<std::string>()}));

      // The branch's own head would have been no checkpoint: after a squash or a rebase it is not on main.
      if (how != Merge::Commit) CHECK(fx.verify({"--since", branch_head}).codes() == Strings{"E_HISTORY_REWRITTEN"});
    }
}

TEST_CASE("threat: a policy that protects nothing changes nothing", "[approvals][threats]") {
  ApprovalFixture fx;
  std::string nothing = fx.policy_text(2);
  nothing = nothing.substr(0, nothing.find("\nrules:\n") + 1) + "rules: []\n";
  REQUIRE(fx.adopt_policy(nothing) == 3);
  fx.reg.git_ok({"branch", "-f", "base"});
  Report adopted = fx.verify();
  REQUIRE(adopted.ok());
  const std::string checkpoint = adopted.json["checkpoint"];

  // Direct moves, aliases and deletes, as without a policy; requests need no signature.
  for (const Strings& args : {Strings{"stage", "m", "1", "Production"}, Strings{"alias", "set", "m", "champion", "1"},
                              Strings{"stage", "m", "2", "Production", "--archive-existing"},
                              Strings{"alias", "delete", "--yes", "m", "champion"}, Strings{"version", "delete", "--yes", "m", "1"},
                              Strings{"request", "m", "2", "--to", "Staging"}}) {
    Result r = fx.mreg_as("carol", args);
    CHECK_EXIT(r, 0);
  }
  CHECK(stage_of(fx, 2) == "Production");
  CHECK_FALSE(has_file(fx, version_file(1)));
  Report tree = fx.verify();
  expect_passed_verify(tree);
  CHECK(tree.json["policy_version"] == 3);
  CHECK(tree.json["states"].empty());
  expect_passed_verify(fx.verify({"--since", checkpoint}));
  expect_passed_verify(fx.verify({"--base", "base"}));
  REQUIRE_EXIT(fx.mreg_as("carol", {"model", "create", "scratch"}), 0);
  CHECK_EXIT(fx.mreg_as("carol", {"model", "delete", "--yes", "scratch"}), 0);
}
