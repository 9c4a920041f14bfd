// Fixtures for the approval tests: ed25519 keys made with ssh-keygen in the test's folder, a
// registry whose policy chain names admins, approvers and a known key without a role, and the
// steps of the flow (request, approve, verify) taken as the principals who take them.
#pragma once

#include "support/harness.h"

#include <string>
#include <vector>

namespace e2e {

inline const char* kApprovalNamespace = "mreg-approval-v1";

// "alice" -> "alice@example.com".
std::string email(const std::string& who);
// The git identity of a principal (author and committer), as environment entries.
std::vector<std::string> as(const std::string& who);

// `ssh-keygen -t ed25519 -N ''` makes dir/NAME and dir/NAME.pub (once); the private key's path.
std::string make_key(const std::string& dir, const std::string& name);
// The first line of a .pub file ("ssh-ed25519 AAAA... comment").
std::string public_key_line(const std::string& key);
// "SHA256:..." of a key (its private key file or .pub), as ssh-keygen -l prints it.
std::string fingerprint(const std::string& key);
// An armored signature of data: `ssh-keygen -Y sign -n NS -f KEY`.
std::string ssh_sign(const std::string& key, const std::string& data, const std::string& ns = kApprovalNamespace);
// `ssh-keygen -Y verify -f ALLOWED -I PRINCIPAL -n NS -s SIG < DATA`: true when it says good.
bool ssh_verify(const std::string& allowed_signers, const std::string& principal, const std::string& signature,
                const std::string& data, const std::string& ns = kApprovalNamespace);

// What `mreg approve --print` prints: the payload, then the armored signature.
struct SignedApproval {
  std::string payload, signature;
};
SignedApproval split_printed(const std::string& printed);

// A payload with the value of its line "KEY: ..." replaced.
std::string with_value(const std::string& payload, const std::string& key, const std::string& value);
// RFC 3339 UTC with seconds, `seconds` from now (negative: in the past).
std::string time_from_now(long long seconds);

// One verify report (`mreg verify ... -o json`).
struct Report {
  Result result;
  nlohmann::json json;
  bool ok() const { return json.value("ok", false); }
  // The codes of report.problems, in order.
  std::vector<std::string> codes() const;
  bool has(const std::string& code) const;
  // The first problem with this code (fails the test when there is none).
  nlohmann::json problem(const std::string& code) const;
  // The paths named by the problems with this code.
  std::vector<std::string> paths(const std::string& code) const;
  // The verdict on one approval file ({path, principal, key, verdict, message}).
  nlohmann::json approval(const std::string& path) const;
  // The verdict on one request.
  nlohmann::json request(const std::string& id) const;
};

// How the registry stood when it adopted its policy: m's versions in None, or m v1 in
// Production already (a grandfathered state).
enum class Adoption { Empty, V1InProduction };

// A registry with model m (versions 1 and 2, in stage None) and a policy chain of two versions:
// admin1 and admin2 are the admins (both must sign the next version); alice and bob approve
// moves into Production (2 needed); version 2 adds carol's key without a role. Mallory has a key
// that no policy lists. The branch `base` marks the end of this setup. Built once per process
// (bare or not, for each adoption) and copied for each test.
class ApprovalFixture {
 public:
  explicit ApprovalFixture(bool bare = false, Adoption adoption = Adoption::Empty);
  struct Build {};
  ApprovalFixture(bool bare, Adoption adoption, Build);  // built from scratch

  Registry reg;
  std::string keys;  // the folder of the keys
  std::string root;  // the trusted root, "sha256:<hex>"

  std::string key(const std::string& who) const { return keys + "/" + who; }
  // mreg ARGS... --repo REG as who.
  Result mreg_as(const std::string& who, const std::vector<std::string>& args,
                 const std::vector<std::string>& env = {}) const;
  // The branch checked out (right after set-up, the main branch).
  std::string branch() const;
  // `mreg request m VERSION --to STAGE` as who: the request id.
  std::string request(const std::string& who, int version, const std::string& to = "Production",
                      const std::string& model = "m") const;
  // `mreg request MODEL VERSION CHANGE... -f KEY` as who, CHANGE being `--to STAGE`, `--alias A`,
  // `--remove-alias A` or `--delete`: the request id.
  std::string request_change(const std::string& who, int version, const std::vector<std::string>& change,
                             const std::string& model = "m") const;
  // alice and bob, the approvers, approve request ID with mreg.
  void approve_by_reviewers(const std::string& id, const std::string& model = "m") const;
  // A request by carol for CHANGE of MODEL VERSION, approved by alice and bob: its id.
  std::string approved_request(int version, const std::vector<std::string>& change = {"--to", "Production"},
                               const std::string& model = "m") const;
  // `mreg approve MODEL ID -f KEY --yes` as who (with who's key unless key is given).
  Result approve(const std::string& who, const std::string& id, const std::vector<std::string>& extra = {},
                 const std::string& model = "m") const;
  // `mreg approve ... --print` as who, which must succeed.
  SignedApproval print_approval(const std::string& who, const std::string& id, const std::string& model = "m") const;
  // Writes files into the work tree and commits them (and any other change) with plain git.
  void commit_files(const std::vector<std::pair<std::string, std::string>>& files, const std::string& message,
                    const std::vector<std::string>& env = {}) const;
  // `mreg verify ARGS... -o json`; exit 0 when ok, 7 when not, and never a crash.
  Report verify(const std::vector<std::string>& args = {}) const;
  // The newest policy version's text with a change, proposed (`policy edit --file`) and signed
  // by each of `signers` (`policy sign`): the new version number.
  int propose_policy(const std::string& text, const std::vector<std::string>& signers) const;
  // propose_policy signed by both admins, so that it is trusted at once.
  int adopt_policy(const std::string& text) const { return propose_policy(text, {"admin1", "admin2"}); }
  std::string policy_text(int version) const;
};

// models/m/approvals/ID/WHO.approval
std::string approval_file(const std::string& id, const std::string& who, const std::string& model = "m");

// Policy text edits: a principal with a key added; a line added under a principal's key
// ("valid_before: ..."); a revoked key added.
std::string with_principal(const std::string& policy, const std::string& who, const std::string& key_line);
std::string with_key_field(const std::string& policy, const std::string& who, const std::string& field_line);
std::string with_revoked_key(const std::string& policy, const std::string& key_line, const std::string& reason);
// The first rule with its line for KEY ("  - models: ...", "    stages: ...") replaced by one that
// says VALUE, or, when it has no such line, with "    KEY: VALUE" added after its `models` line.
std::string with_rule_line(const std::string& policy, const std::string& key, const std::string& value);

// How a pull request is merged with plain git.
enum class Merge { Commit, Squash, Rebase };
// Each way, with its name for a SECTION.
inline const std::vector<std::pair<Merge, std::string>> kMerges{
    {Merge::Commit, "a merge commit"}, {Merge::Squash, "a squash merge"}, {Merge::Rebase, "a rebase"}};
// Brings `branch` into `into` in the work tree `repo`: `git merge --no-ff`; `git merge --squash` and
// a commit; or `git rebase` of a copy of `branch` onto `into` and a fast-forward. Leaves `into`
// checked out.
void merge_branch(const std::string& repo, const std::string& into, const std::string& branch, Merge how,
                  const std::vector<std::string>& env = {});

}  // namespace e2e
