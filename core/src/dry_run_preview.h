// Building the preview a dry run shows, from a planned commit (registry_impl.h).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "git.h"
#include "mreg/dry_run.h"
#include "mreg/types.h"

namespace mreg {

struct PlannedCommit;
class Snapshot;
using FileChanges = std::map<std::string, std::optional<std::string>>;

// What committing `plan` with `changes` on `tip` of `branch` would make, read without writing
// anything: its message, tags (when `create_tags`) and the diff of each changed file against
// `base`, the registry at `tip` (a removed folder is each of its files deleted). `repo` and `base`
// are null before the repository exists.
CommitPreview preview_commit(const git::Repository* repo, const std::string& branch,
                             const std::optional<git::Oid>& tip, const Identity& author,
                             const PlannedCommit& plan, const FileChanges& changes, const Snapshot* base,
                             bool create_tags);

}  // namespace mreg
