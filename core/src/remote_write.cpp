// A write that goes to a remote branch: fetch it, apply the operation on its
// newest commit, push. The remote's receive-pack (or, for a folder, a
// compare-and-swap of its ref) refuses a push made on a tip that has moved; the
// operation is then read again from the new tip and applied again, never merged.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include "auto_pack.h"
#include "file_lock.h"
#include "registry_impl.h"
#include "remote_impl.h"
#include "worktree.h"

namespace mreg {
namespace {

// Full jitter, doubling from 10 ms up to 320 ms. A low ceiling keeps writers that
// lost in the race: with a high one, the writer that just won wins again and again.
void back_off(int attempt, std::mt19937& rng) {
  std::uniform_int_distribution<int> wait(0, 10 << std::min(attempt, 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(5 + wait(rng)));
}

// A refusal that another push holding the remote's ref explains: libgit2's local and
// file transports say "lock"; git's receive-pack says "failed to update ref".
bool busy_ref(const std::string& reason) {
  return reason.find("lock") != std::string::npos || reason.find("failed to update ref") != std::string::npos;
}

// After the push: the local branch follows when it can; when it cannot, the
// write still stands on the remote and 'mreg pull' catches up later.
void follow_remote(git::Repository& repo, const std::string& branch, const git::Oid& commit,
                   const PushTarget& target) {
  try {
    fast_forward(repo, branch, commit, target.remote + "/" + target.branch);
  } catch (const Error& e) {
    const auto now = repo.ref_target(branch);
    if (now && repo.is_ancestor(commit, *now)) return;  // another writer here moved it further already
    std::fprintf(stderr, "mreg: warning: pushed, but the local branch was not updated (%s); 'mreg pull' updates it\n",
                 e.what());
  }
}

}  // namespace

git::Oid apply_and_push(Registry::Impl& impl, const WriteOptions& opts, const Operation& op) {
  git::Repository& repo = *impl.repo;
  const PushTarget& target = *opts.push;
  const auto branch = repo.head_branch();
  if (!branch)
    throw Error(ErrorCode::INVALID_STATE, "HEAD is detached: check out a branch to write to the registry");
  const Identity author = resolve_author(repo, opts.author);
  const git::Signature committer = resolve_committer(repo, author);
  const std::string upstream = target.remote + "/" + target.branch;

  std::unique_ptr<FileLock> lock;
  if (!repo.is_bare()) {
    lock = std::make_unique<FileLock>(repo.git_dir() + "mreg-write.lock");
    recover_worktree(repo);
  }

  std::mt19937 rng(std::random_device{}());
  std::string last_reason;
  std::optional<git::Oid> refused_on;  // the tip the last refused push was made on
  int refusals_on_same_tip = 0;
  const int attempts = std::max(1, target.max_attempts);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const git::Oid tip = fetch_branch(repo, target, false);
    // Refused twice on a tip that nobody moved, for a reason other than another push
    // holding the ref: a hook or a protected branch says no, and trying again will not
    // change that. Once is not enough: while another push holds the ref, git's
    // receive-pack answers "failed to update ref" and still shows the old tip.
    if (refused_on == tip) {
      if (!busy_ref(last_reason) && ++refusals_on_same_tip >= 2)
        throw Error(ErrorCode::PERMISSION_DENIED, "the remote refused the push to " + upstream + ": " + last_reason);
    } else {
      refusals_on_same_tip = 0;
    }
    const auto local = repo.ref_target(*branch);
    if (local && !repo.is_ancestor(*local, tip))
      throw Error(ErrorCode::RESOURCE_CONFLICT,
                  branch->substr(branch->rfind('/') + 1) + " has commits that " + upstream +
                      " does not have: send them first with 'mreg push', then write again");

    Transaction txn(impl.snapshot_at(tip), author);
    const PlannedCommit plan = op(txn);
    if (txn.changes().empty() && !plan.allow_empty) {
      follow_remote(repo, *branch, tip, target);
      impl.last_commit = tip.hex();
      return tip;
    }
    std::vector<std::string> touched;
    for (const auto& [path, content] : txn.changes()) touched.push_back(path);
    if (lock) refuse_dirty_paths(repo, touched);

    const git::Oid commit = write_planned_commit(repo, tip, txn, plan, committer, opts);
    // Signed before the push, so that a signer that fails sends nothing.
    const auto tags = opts.create_tags ? prepare_tags(repo, plan, commit, committer) : std::vector<TagToMake>{};
    const auto rejected = repo.push(target.remote, {{"refs/heads/" + target.branch, commit, tip}}, target.credentials);
    if (rejected.empty()) {
      try {
        repo.set_ref(tracking_ref(target), commit, "mreg: push");
      } catch (const Error&) {
        // Only a copy of the remote's ref: the next fetch sets it.
      }
      follow_remote(repo, *branch, commit, target);
      if (opts.create_tags) push_tags(repo, target, create_tags(repo, tags, committer));
      pack_in_background_if_needed(repo);
      impl.last_commit = commit.hex();
      return commit;
    }
    last_reason = rejected.front().reason;
    refused_on = tip;
    back_off(attempt, rng);
  }
  throw Error(ErrorCode::RESOURCE_CONFLICT, "the remote branch " + upstream + " kept moving or stayed busy: " +
                                                std::to_string(attempts) + " pushes were refused (last: " +
                                                last_reason + "); nothing was written");
}

}  // namespace mreg
