// A write's update of the index and work tree, made so that a writer killed at
// any moment leaves nothing that needs repair by hand (FORMAT.md, "Writers with a
// work tree"):
//
// - the index is changed under <git dir>/index.lock, taken as git takes it but
//   holding "mreg-index-lock <pid> <start time>", so that a lock left by a killed
//   mreg is told from one that git holds, and cleared;
// - before the branch moves, <git dir>/mreg-pending records the old and the new
//   commit and the paths the write touched; it is removed once the index and work
//   tree have caught up. The next mreg command that finds it (its writer being gone)
//   brings those paths up to the new commit, except a file changed by hand since,
//   which is left as it is and reported.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "git.h"

namespace mreg {

class IndexLock {
 public:
  // Takes <git dir>/index.lock, clearing one left by an mreg process that is gone and
  // waiting a moment for one that git holds; RESOURCE_CONFLICT when it stays taken.
  explicit IndexLock(const std::string& git_dir);
  ~IndexLock();  // removes the lock, when it is still this one
  IndexLock(const IndexLock&) = delete;
  IndexLock& operator=(const IndexLock&) = delete;

 private:
  std::string path_, content_;
};

// Moves `branch` from `from` to `to` with `move` (a compare-and-swap that says whether it
// moved the branch) and, with a work tree, brings the index and work tree at `paths` to
// `to`, journaled as above. The caller holds <git dir>/mreg-write.lock. Once the branch
// has moved, nothing here fails the write: an update of the work tree that fails is
// said on stderr and finished by the next mreg command.
git::Repository::RefUpdate move_branch(git::Repository& repo, const std::string& branch,
                                       const std::optional<git::Oid>& from, const git::Oid& to,
                                       const std::vector<std::string>& paths,
                                       const std::function<git::Repository::RefUpdate()>& move);

// Finishes what a killed writer left in a repository with a work tree (nothing for a
// bare one): clears an index.lock of a dead mreg, and catches up the paths of a write
// whose branch moved. The caller holds <git dir>/mreg-write.lock.
void recover_worktree(git::Repository& repo);
// The same for any command: costs a few stat calls when nothing was left; does nothing
// while a writer holds the write lock (the writer recovers first).
void recover_worktree_if_needed(git::Repository& repo);

}  // namespace mreg
