// Where a policy check sits on every move into a stage or onto an alias.
// Until signed approvals exist, a move that a rule of the newest policy
// version protects is refused with PERMISSION_DENIED.
#pragma once

#include <cstdint>
#include <string>

#include "mreg/registry.h"

namespace mreg {

struct Move {
  std::string model;
  std::int64_t version = 0;
  std::string stage;  // the stage moved into, or empty
  std::string alias;  // the alias moved, or empty
};

void check_move_allowed(const Snapshot& snapshot, const Move& move);

}  // namespace mreg
