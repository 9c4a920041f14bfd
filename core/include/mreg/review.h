// `mreg review`: a branch described as its reviewer needs it. What the branch does to
// requests (adds, approves, closes, applies them) with each one's verdict under the
// base's policy; what `mreg verify --base` concludes; every version it adds, changes or
// deletes, field by field; and for each promotion the candidate beside the version that
// holds the stage or alias on the base now (compare.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mreg/compare.h"
#include "mreg/registry.h"
#include "mreg/verify.h"

namespace mreg {

struct ReviewOptions {
  // "BASE..HEAD", "BASE.." (up to HEAD) or "BASE"; empty: the upstream of the branch HEAD
  // names, else main (else origin/main), up to HEAD.
  std::string range;
  std::string trusted_root;      // "sha256:<hex>", as for verify
  std::optional<Timestamp> now;  // the reviewer's clock (default: the system's)
};

// One field of a version before and after the branch; nullopt where it has no value.
struct FieldChange {
  std::string field;  // as version_field_values names it ("stage", "tags.val_mae", ...)
  std::optional<std::string> before, after;
  std::optional<NumericDifference> difference;  // after - before, when both are numbers
};

struct VersionChange {
  std::string model;
  std::int64_t version = 0;
  std::string change;  // added, changed, deleted
  std::vector<FieldChange> fields;  // every field for added and deleted ones, what differs otherwise
};

// A request to move a version into a stage or to point an alias at it.
struct Promotion {
  std::string target;                   // "Production", "@champion"
  std::optional<ModelVersion> current;  // what holds it on the base now, if any
  ModelVersion candidate;               // the requested version, as the branch has it
  VersionComparison comparison;         // current (when any), then candidate
};

struct RequestReview {
  // Under the base's trusted policy (an empty one when there is none), at the reviewer's
  // clock: the request, its requester's proof, approvals, tallies and problems.
  RequestVerdict verdict;
  std::string state;  // open, applied, rejected, cancelled (at the head)
  // What the branch did to it, in this order: requested, approved, rejected, cancelled, applied.
  std::vector<std::string> on_branch;
  std::vector<ClosingVerdict> closings;
  std::optional<Promotion> promotion;
};

struct BranchReview {
  std::string base, head;  // as given, or as chosen by default
  std::string base_commit, head_commit, merge_base;
  std::size_t commits = 0;  // on the branch since the merge base
  VerifyReport verify;      // `mreg verify --base BASE` at HEAD
  bool policy = false;      // a trusted policy judged the requests
  std::vector<RequestReview> requests;  // by model, then id
  std::vector<VersionChange> versions;  // by model, then version
};

BranchReview review_branch(const Registry& registry, const ReviewOptions& options);

}  // namespace mreg
