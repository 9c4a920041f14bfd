#include "policy_gate.h"

#include "mreg/policy.h"
#include "mreg/problem.h"
#include "mreg/verify.h"

namespace mreg {

void check_changes_allowed(const Snapshot& snapshot, const std::vector<StateChange>& changes, const std::string& what,
                           const std::string& how, const std::string& trusted_root) {
  if (changes.empty()) return;
  const PolicyChain chain = load_policy_chain(snapshot, trusted_root);
  if (chain.empty()) return;  // no policy: every stage and alias is open
  std::vector<Policy> versions;
  if (chain.effective()) versions.push_back(*chain.effective());
  for (auto n = static_cast<std::int64_t>(chain.trusted.size()) + 1; n <= chain.newest_present; ++n)
    if (auto text = snapshot.read_file(policy_path(n))) try {
        versions.push_back(parse_policy(*text, policy_path(n)));
      } catch (const ManifestError&) {
      }
  for (const auto& policy : versions)
    for (const auto& change : changes) {
      std::size_t index = 0;
      if (!policy.rule_for(change.model, change.stage, change.alias, &index)) continue;
      const std::string state = change.model + " v" + std::to_string(change.version) +
                                (change.stage.empty() ? " @" + change.alias : " in " + change.stage);
      throw Error(ErrorCode::PERMISSION_DENIED,
                  what + " needs approval: " + state + " is protected by rule " + std::to_string(index + 1) +
                      " of policy version " + std::to_string(policy.version) + " (" + policy.path + "). " +
                      (how.empty() ? "Change the protected state first through approved requests"
                                   : "Request it with '" + how +
                                         "' in a pull request, have it approved (mreg approve), then apply it (mreg apply)"));
    }
}

void check_move_allowed(const Snapshot& snapshot, const Move& move, const std::string& trusted_root) {
  const std::string what = "moving " + move.model + " v" + std::to_string(move.version) + " into " +
                           (move.stage.empty() ? "the alias '" + move.alias + "'" : "stage " + move.stage);
  const std::string how = "mreg request " + move.model + " " + std::to_string(move.version) +
                          (move.stage.empty() ? " --alias " + move.alias : " --to " + move.stage);
  check_changes_allowed(snapshot, {StateChange{move.model, move.version, move.stage, move.alias}}, what, how,
                        trusted_root);
}

std::vector<StateChange> state_of_version(const ModelVersion& v) {
  std::vector<StateChange> out{{v.name, v.version, v.stage, ""}};
  for (const auto& a : v.aliases) out.push_back({v.name, v.version, "", a});
  return out;
}

void check_request_approved(const Snapshot& snapshot, const std::string& model, const std::string& request_id,
                            Timestamp now, const std::string& trusted_root) {
  const PolicyChain chain = load_policy_chain(snapshot, trusted_root);
  if (!chain.problems.empty())
    throw Error(ErrorCode::PERMISSION_DENIED, "the policy chain does not verify: " + chain.problems.front().code + ": " +
                                                  chain.problems.front().message);
  const Policy* policy = chain.effective();
  if (!policy) return;  // nothing is protected
  const RequestVerdict v = verify_request(snapshot, *policy, model, request_id, now);
  if (v.justified()) return;
  std::string message = "request " + request_id + " is not approved:";
  for (const auto& p : v.problems) message += "\n  " + p.code + ": " + p.message;
  for (const auto& a : v.approvals)
    if (!a.ok()) message += "\n  " + a.path + ": " + a.code + ": " + a.message;
  throw Error(ErrorCode::PERMISSION_DENIED, message);
}

}  // namespace mreg
