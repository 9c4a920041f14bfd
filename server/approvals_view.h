// What the pages say about a request's approvals. For now: how many approval
// files it has (Snapshot::count_approval_files), unverified. When `mreg verify`
// gives verdicts, they replace this one function.
#pragma once

#include <string>

#include "mreg/registry.h"

namespace mreg::server {

// HTML, e.g. "2 approval files (not verified here)".
std::string approval_summary(const Snapshot& s, const TransitionRequest& request);

}  // namespace mreg::server
