// Where the policy sits on every move into a stage or onto an alias: a move
// that a rule protects needs an approved request (Registry::apply_request);
// made directly, it is refused with PERMISSION_DENIED saying how to request it.
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

// Refuses a direct move that the trusted policy protects. Versions of the
// policy present but not (yet) trusted count too: a policy being changed
// protects what either side of the change protects.
void check_move_allowed(const Snapshot& snapshot, const Move& move, const std::string& trusted_root);

// Refuses (PERMISSION_DENIED) a request whose approvals are not enough at
// time `now` under the trusted policy, or when the policy chain is broken.
void check_request_approved(const Snapshot& snapshot, const std::string& model, const std::string& request_id,
                            Timestamp now, const std::string& trusted_root);

}  // namespace mreg
