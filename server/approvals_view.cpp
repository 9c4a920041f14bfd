#include "approvals_view.h"

#include "html.h"
#include "mreg/policy.h"
#include "mreg/timefmt.h"
#include "mreg/verify.h"

namespace mreg::server {

std::string approval_summary(const Snapshot& s, const TransitionRequest& request) {
  const PolicyChain chain = load_policy_chain(s, "");
  const Policy* policy = chain.effective();
  if (!policy) {
    const std::size_t n = s.count_approval_files(request.model, request.id);
    return std::to_string(n) + (n == 1 ? " approval file" : " approval files") +
           " <span class=\"muted\">(no trusted policy)</span>";
  }
  const RequestVerdict v = verify_request(s, *policy, request.model, request.id, now_seconds());
  std::string out = v.is_protected ? std::to_string(v.approved) + "/" + std::to_string(v.needed) + " approvals"
                                   : std::string("not protected");
  out += v.is_protected && v.justified() ? " <span class=\"ok\">(approved)</span>" : "";
  for (const auto& a : v.approvals)
    out += "<br><span class=\"" + std::string(a.ok() ? "ok" : "bad") + "\" title=\"" + escape(a.message) + "\">" +
           escape(a.principal) + ": " + escape(a.code) + "</span>";
  return out;
}

}  // namespace mreg::server
