// What the pages say about a request's approvals: each approval's verdict, as
// `mreg verify` judges it now under the newest trusted policy of the commit
// served. The server has no trusted root of its own, so the chain starts at
// the policy's version 1 as found; CI's `mreg verify --trusted-root` is what
// pins it.
#pragma once

#include <string>

#include "mreg/registry.h"

namespace mreg::server {

// HTML: "2/2 approvals" and one line per approval file with its principal and verdict.
std::string approval_summary(const Snapshot& s, const TransitionRequest& request);

}  // namespace mreg::server
