// Where the policy sits on every write that changes protected state: a version
// entering or leaving a protected stage, a protected alias set, moved or
// removed, a version or model deleted while it holds such state. Made
// directly, such a write is refused with PERMISSION_DENIED saying which request
// to make; it takes an approved request (Registry::apply_request).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mreg/registry.h"

namespace mreg {

// One piece of state a write changes.
struct StateChange {
  std::string model;
  std::int64_t version = 0;
  std::string stage;  // the stage entered or left, or empty
  std::string alias;  // the alias set, moved or removed, or empty
};

struct Move {
  std::string model;
  std::int64_t version = 0;
  std::string stage;  // the stage moved into, or empty
  std::string alias;  // the alias moved, or empty
};

// Refuses a direct write whose changes a rule of the trusted policy protects.
// Versions of the policy present but not (yet) trusted count too: a policy
// being changed protects what either side of the change protects. `what` names
// the write ("moving m v3 out of Production"), `how` the request that makes it
// ("mreg request m 3 --to Archived"), or is empty when no request can.
void check_changes_allowed(const Snapshot& snapshot, const std::vector<StateChange>& changes, const std::string& what,
                           const std::string& how, const std::string& trusted_root);

// A move into a stage or onto an alias (check_changes_allowed for that one change).
void check_move_allowed(const Snapshot& snapshot, const Move& move, const std::string& trusted_root);

// The protected state a version holds: its stage and every alias on it, as changes.
std::vector<StateChange> state_of_version(const ModelVersion& version);

// Refuses (PERMISSION_DENIED) a request whose approvals are not enough at
// time `now` under the trusted policy, or when the policy chain is broken.
void check_request_approved(const Snapshot& snapshot, const std::string& model, const std::string& request_id,
                            Timestamp now, const std::string& trusted_root);

}  // namespace mreg
