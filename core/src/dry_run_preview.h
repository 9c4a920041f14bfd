// Building the preview a dry run shows, from a planned commit (registry_impl.h).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "git.h"
#include "mreg/dry_run.h"
#include "mreg/types.h"

namespace mreg {

struct PlannedCommit;
using FileChanges = std::map<std::string, std::optional<std::string>>;
// A file's content in the commit the write starts from; nullopt when it has none.
using ReadOld = std::function<std::optional<std::string>(const std::string& path)>;

// What committing `plan` with `changes` on `tip` of `branch` would make, read without writing
// anything: its message, tags (when `create_tags`) and the diff of each changed file.
CommitPreview preview_commit(const git::Repository* repo, const std::string& branch,
                             const std::optional<git::Oid>& tip, const Identity& author,
                             const PlannedCommit& plan, const FileChanges& changes, const ReadOld& read_old,
                             bool create_tags);

}  // namespace mreg
