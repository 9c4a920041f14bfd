// Verification of approved promotions (`mreg verify`, and every approved move).
//
// A move into a protected stage or alias is justified by a request whose
// approvals, each a signed .approval file, come from enough distinct
// approvers of the rule that protects it, under the policy in force: the
// policy of the base branch for a pull request, the one in the tree of the
// commit that applied the move for moves already made. Times are judged by
// the verifier's clock, or by the time of the commit that applied the move,
// never by a time the signer wrote.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "mreg/policy.h"
#include "mreg/registry.h"

namespace mreg {

struct ApprovalVerdict {
  std::string path;       // the .approval file
  std::string principal;  // as the file name says
  std::string key;        // fingerprint of the signing key, when the signature could be read
  std::string code;       // "OK" or an E_* code
  std::string message;
  bool ok() const { return code == "OK"; }
};

// A signed rejection or cancellation (approvals/<id>/<principal>.rejection|.cancellation).
struct ClosingVerdict {
  std::string path;
  std::string principal;  // as the file name says
  std::string outcome;    // rejected, cancelled
  std::string key;
  std::string code;  // "OK" or an E_* code
  std::string message;
  bool ok() const { return code == "OK"; }
};

// How far one governing rule is: who counted for it, and who else may still approve.
struct RuleTally {
  std::string rule;  // "policy version 3, rule 1"
  std::int64_t needed = 0;
  std::vector<std::string> approved_by;  // distinct principals whose approvals count for it
  // The rule's approvers who have not approved (counted) yet, without the requester where
  // the rule forbids self-approval.
  std::vector<std::string> may_approve;
  std::int64_t missing() const {
    return std::max<std::int64_t>(0, needed - static_cast<std::int64_t>(approved_by.size()));
  }
};

struct RequestVerdict {
  TransitionRequest request;
  std::string path;
  std::string state;         // open, applied, rejected, cancelled
  std::string applied_commit;
  bool is_protected = false;  // a rule governs the change
  std::string rule;          // "policy version 3, rule 1" (", rule 2" when several govern it)
  std::int64_t needed = 0, approved = 0;  // needed: the highest threshold of the rules
  std::vector<std::string> approvers;  // distinct principals counted
  std::vector<ApprovalVerdict> approvals;
  std::vector<RuleTally> tallies;  // one per governing rule, in policy order
  // The requester as proven by the request's signature (requests/<id>.yaml.sig):
  // the principal and key when requester_code is "OK", else why not (E_UNSIGNED, ...).
  std::string requester, requester_key, requester_code, requester_message;
  std::vector<Finding> problems;  // why it is not justified; empty when it is
  bool justified() const { return problems.empty(); }
  bool requester_proven() const { return requester_code == "OK"; }
};

// One move in the tree that a rule protects, and what justifies it.
struct ProtectedState {
  std::string model;
  std::int64_t version = 0;
  std::string stage, alias;  // one of them
  std::string request;       // stage_request / alias_requests; empty when none
  std::string verdict;       // justified, grandfathered, or an E_* code
  std::string message;
};

struct VerifyOptions {
  std::string rev;           // the tree to verify ("" = HEAD)
  std::string base;          // pull request mode: the branch it merges into
  std::string since;         // history mode: a checkpoint commit
  std::string trusted_root;  // "sha256:<hex>"
  std::optional<Timestamp> now;  // the verifier's clock (default: the system's)
};

struct VerifyReport {
  // Reported but not failing: closings that nobody entitled signed (they are ignored).
  std::vector<Finding> warnings;
  std::string mode;  // tree, pull-request, history
  std::string commit, base_commit;
  std::int64_t policy_version = 0;
  bool root_pinned = false;
  std::vector<Finding> problems;  // everything that fails verification
  std::vector<RequestVerdict> requests;
  std::vector<ProtectedState> states;
  std::string checkpoint;  // the commit to pass as --since next time (when ok)
  bool ok() const { return problems.empty(); }
};

VerifyReport verify_registry(const Registry& registry, const VerifyOptions& options);

// The deploy gate (`mreg resolve --verified`): what a models:/ URI resolves to,
// given only when
//  - the commit read is on the first-parent history of the protected branch
//    (merged into it, not a commit a tag or another branch points at),
//  - the URI names a stage or alias that the trusted policy protects, and the
//    state it resolves is justified there as `mreg verify` judges it (an approved
//    request applied once and not moved since, or grandfathered and unchanged),
//  - the branch's tip still resolves the URI to that same version (no rollback
//    to a state the branch has left).
// Tags are never read. Anything else is a problem with a stable code.
struct DeployOptions {
  std::string uri;
  std::string rev;     // the commit to read ("" = HEAD)
  std::string branch;  // the protected branch ("main", "origin/main", "refs/heads/main")
  std::string trusted_root;
  std::optional<Timestamp> now;
};

struct DeployVerdict {
  ModelVersion version;  // what the URI resolves to at `commit`
  std::string commit, branch_commit;
  std::string stage, alias;  // the state resolved (one of them)
  std::string verdict;       // justified, grandfathered, or the first problem's code
  std::string request;       // the request that justifies it
  std::int64_t policy_version = 0;
  std::vector<Finding> problems;
  bool ok() const { return problems.empty(); }
};

DeployVerdict verify_deployment(const Registry& registry, const DeployOptions& options);

// The verdict on one request in `tree` under `policy` at time `at`. `acted_on`
// is the version as the request found it, for a delete judged after the version
// is gone (default: the version in `tree`).
RequestVerdict verify_request(const Snapshot& tree, const Policy& policy, const std::string& model,
                              const std::string& request_id, Timestamp at, const ModelVersion* acted_on = nullptr);

// The stages and aliases a request changes, which decide the rules that govern
// it: a move leaves from_stage and enters to_stage; an alias request names its
// alias; a delete leaves from_stage and takes the version's aliases with it.
void request_scope(const TransitionRequest& request, const std::vector<std::string>& aliases_of_version,
                   std::vector<std::string>& stages, std::vector<std::string>& aliases);

// The signed closings of a request in `tree`, each judged under `policy` (at
// `at`): a rejection counts when an approver of a rule that governs the request
// signed it, a cancellation when the requester or an admin did.
// The rules of `policy` that govern `request` in `tree` (request_scope).
std::vector<GoverningRule> governing_rules(const Snapshot& tree, const Policy& policy, const TransitionRequest& request);

ClosingVerdict verify_closing(const Snapshot& tree, const Policy& policy, const TransitionRequest& request,
                              const std::string& path, const std::optional<std::string>& payload,
                              const std::optional<std::string>& signature, Timestamp at);
std::vector<ClosingVerdict> verify_closings(const Snapshot& tree, const Policy& policy, const TransitionRequest& request,
                                            Timestamp at);

}  // namespace mreg
