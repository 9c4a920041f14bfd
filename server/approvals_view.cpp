#include "approvals_view.h"

namespace mreg::server {

std::string approval_summary(const Snapshot& s, const TransitionRequest& request) {
  const std::size_t n = s.count_approval_files(request.model, request.id);
  return std::to_string(n) + (n == 1 ? " approval file" : " approval files") +
         " <span class=\"muted\">(not verified here; run <code>mreg verify</code>)</span>";
}

}  // namespace mreg::server
