// An approval judged as of the commit that added it (verify.h, approval_verdict_at).
#include "mreg/verify.h"

namespace mreg {

ApprovalVerdict approval_verdict_at(const Registry& registry, const std::string& commit, const std::string& model,
                                    const std::string& request_id, const std::string& principal,
                                    const std::string& trusted_root) {
  ApprovalVerdict out;
  out.principal = principal;
  try {
    const Snapshot s = registry.at(commit);
    const PolicyChain chain = load_policy_chain(s, trusted_root);
    if (!chain.effective()) {
      if (chain.empty()) {
        out.code = "E_NO_POLICY";
        out.message = "no trusted policy at commit " + commit.substr(0, 12);
      } else {
        out.code = chain.problems.front().code;
        out.message = chain.problems.front().message;
      }
      return out;
    }
    const RequestVerdict v = verify_request(s, *chain.effective(), model, request_id, s.commit_time());
    for (const auto& a : v.approvals)
      if (a.principal == principal) return a;
    out.code = "E_UNSIGNED";
    out.message = "no approval by " + principal + " in request " + request_id + " at commit " + commit.substr(0, 12);
  } catch (const Error& e) {
    out.code = "E_MALFORMED_REQUEST";
    out.message = e.message();
  }
  return out;
}

}  // namespace mreg
