// What the pages say about a request's approvals: each approval's verdict, as
// `mreg verify` judges it under the newest trusted policy. An open (rejected,
// cancelled) request is judged in the commit served, now; an applied one in the
// commit that applied it, at that commit's time, as `mreg verify` judged it then.
// The server has no trusted root of its own, so the chain starts at the policy's
// version 1 as found; CI's `mreg verify --trusted-root` is what pins it.
#pragma once

#include <optional>
#include <string>

#include "mreg/history.h"
#include "mreg/verify.h"
#include "snapshot_source.h"

namespace mreg::server {

// The verdict on a request; nullopt when no trusted policy is there to judge it.
std::optional<RequestVerdict> judge_request(const View& view, const RequestState& state);

// The CSS class of a verdict code: ok ("OK"), error (it could not be judged: no policy,
// an unreadable request) or bad (a judged approval that does not count).
std::string verdict_class(const std::string& code);
// HTML: the code as a badge styled by its class, then its reason as visible text.
std::string verdict_html(const std::string& code, const std::string& reason);

// HTML: "2/2 approvals" and one line per approval file with its principal, verdict and reason.
std::string approval_summary(const View& view, const RequestState& state);

}  // namespace mreg::server
