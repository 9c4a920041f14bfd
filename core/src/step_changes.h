// The model folders each first-parent step changed (mreg/steps-v1.bin in the git
// directory, a RecordFile): for a commit, keyed by its id, the `models/` trees of its
// first parent and of itself, and every folder of `models/` that differs between the
// two, with its entry before and after. Finding that out from git means reading both
// `models/` trees, one entry per model each; the deploy gate walks every step since the
// policy's adoption, so at 10,000 models that reading was most of its cost.
//
// A record says what the two trees are, so it never goes stale: it is used only for
// the commit it is keyed by, and only when the `models/` trees it names are the ones
// that commit and its first parent have (reading a commit and its small root tree is
// cheap). A torn or edited record fails its checksum and the step is read from git.
#pragma once

#include <optional>
#include <vector>

#include "git.h"
#include "record_file.h"

namespace mreg {

using FolderChanges = std::vector<git::Repository::EntryChange>;

// The entries of `models/` that differ between two `models/` trees (nullopt: no such folder).
FolderChanges model_folder_changes(const git::Repository& repo, const std::optional<git::Oid>& before,
                                   const std::optional<git::Oid>& after);

// The `models/` tree of a commit's root tree, if it has one.
std::optional<git::Oid> models_tree(const git::Repository& repo, const git::Oid& root_tree);

class StepChanges {
 public:
  explicit StepChanges(const git::Repository& repo);

  // The record of `commit`, when there is one for these `models/` trees. Thread-safe.
  std::optional<FolderChanges> find(const git::Oid& commit, const std::optional<git::Oid>& before,
                                    const std::optional<git::Oid>& after) const;
  // Queues the record of a step read from git; save() writes what was queued.
  void add(const git::Oid& commit, const std::optional<git::Oid>& before, const std::optional<git::Oid>& after,
           const FolderChanges& changes);
  void save() { file_.flush(); }

 private:
  RecordFile file_;
};

}  // namespace mreg
