// What a reviewer signs: the .approval file, UTF-8 "key: value" lines with
// fixed keys in a fixed order (FORMAT.md, "Approvals"). Its bytes are signed
// as they are, so parsing is strict: one LF after every line, no CR, no
// spaces around values, nothing else.
#pragma once

#include <cstdint>
#include <string>

#include "mreg/types.h"

namespace mreg {

struct ApprovalPayload {
  std::string registry;
  std::string model;
  std::int64_t version = 0;
  std::string from_stage;
  std::string to_stage;      // or
  std::string alias;         // or
  std::string remove_alias;  // or
  bool delete_version = false;
  std::string version_sha256;
  std::string request_id;
  std::string request_sha256;
  std::int64_t policy_version = 0;
  std::string approver;
  Timestamp issued_at = 0;
  Timestamp expires_at = 0;
};

std::string render_approval(const ApprovalPayload& payload);
// Throws Error(INVALID_PARAMETER_VALUE) saying which line is wrong.
ApprovalPayload parse_approval(const std::string& bytes);

class Snapshot;

// The payload `approver` signs to approve a request in `tree` at `now`: bound to
// the request's bytes, the version as it is, and the newest trusted policy
// version; it expires after `valid_for` seconds (0: the longest the rule allows).
// Throws when the request is unknown or no trusted policy protects its move.
ApprovalPayload prepare_approval(const Snapshot& tree, const std::string& model, const std::string& request_id,
                                 const std::string& approver, Timestamp now, const std::string& trusted_root,
                                 std::int64_t valid_for = 0);

// models/<model>/approvals/<request>/<principal>.approval (and + ".sig").
std::string approval_path(const std::string& model, const std::string& request_id, const std::string& principal);

// What closes a request: a rejection by a reviewer or a cancellation by the
// requester or an admin, signed in closing_namespace() (policy.h). Same strict
// "key: value" lines as an approval:
//   mreg-closing/v1, registry, model, request_id, request_sha256, outcome
//   (reject | cancel), principal, issued_at.
struct ClosingPayload {
  std::string registry;
  std::string model;
  std::string request_id;
  std::string request_sha256;
  std::string outcome;  // reject, cancel
  std::string principal;
  Timestamp issued_at = 0;
};
std::string render_closing(const ClosingPayload& payload);
ClosingPayload parse_closing(const std::string& bytes);
// models/<model>/approvals/<request>/<principal>.rejection | .cancellation (and + ".sig").
std::string closing_path(const std::string& model, const std::string& request_id, const std::string& principal,
                         const std::string& outcome);

// The request's own signature by its requester: models/<model>/requests/<id>.yaml.sig.
std::string request_signature_path(const std::string& model, const std::string& request_id);

}  // namespace mreg
