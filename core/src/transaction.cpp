#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <sys/stat.h>
#include <unistd.h>
#include <random>
#include <thread>

#include "auto_pack.h"
#include "manifest.h"
#include "mreg/names.h"
#include "dry_run_preview.h"
#include "file_lock.h"
#include "registry_impl.h"
#include "tag_signing.h"
#include "worktree.h"
#include "trailers.h"

namespace mreg {
namespace {

constexpr int kMaxAttempts = 200;

git::Signature signature_of(const Identity& id) {
  return git::Signature{id.name, id.email, id.time, id.offset_minutes};
}

// A lock file older than this was left behind by a process that died.
constexpr int kStaleLockSeconds = 2;

void remove_stale_lock(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;
  if (std::time(nullptr) - st.st_mtime >= kStaleLockSeconds) ::unlink(path.c_str());
}

void warn_tag_not_created(const Error& e) {
  std::fprintf(stderr, "mreg: warning: tag not created (%s); 'mreg tags sync' makes it later\n", e.what());
}

}  // namespace

void sign_tags(const git::Repository& repo, std::vector<TagToMake>& tags, const git::Signature& tagger) {
  if (tags.empty()) return;
  const TagSigner signer = TagSigner::from_config(repo);
  if (!signer) return;
  for (auto& t : tags)
    if (!repo.tag_exists(t.name))
      t.signed_text = signer.sign(t.name, repo.tag_object_text(t.name, t.target, tagger, t.message), tagger);
}

bool write_tag(git::Repository& repo, const TagToMake& tag, const git::Signature& tagger) {
  if (!tag.signed_text.empty()) return repo.create_tag_from_text(tag.name, tag.signed_text);
  return repo.create_tag(tag.name, tag.target, tagger, tag.message);
}

// Tags are derived from commits: one that cannot be made now is made by 'mreg tags sync'
// later, so a failure to name or write one does not fail the write. A signer that fails does:
// the user asked for signed tags.
std::vector<TagToMake> prepare_tags(git::Repository& repo, const PlannedCommit& plan, const git::Oid& commit,
                                    const git::Signature& tagger) {
  std::vector<TagToMake> tags;
  try {
    for (const auto& [name, message] : plan.tags) tags.push_back({name, commit, message, ""});
    if (plan.stage_tag) {
      const auto& t = *plan.stage_tag;
      const std::int64_t k = stage_move_number(repo, commit, t.model, t.stage);
      tags.push_back({stage_tag_prefix(t.model, t.stage) + std::to_string(k), commit, t.message, ""});
    }
  } catch (const Error& e) {
    warn_tag_not_created(e);
  }
  sign_tags(repo, tags, tagger);
  return tags;
}

std::vector<std::string> create_tags(git::Repository& repo, const std::vector<TagToMake>& tags,
                                     const git::Signature& tagger) {
  std::vector<std::string> created;
  try {
    for (const auto& t : tags)
      if (write_tag(repo, t, tagger)) created.push_back(t.name);
  } catch (const Error& e) {
    warn_tag_not_created(e);
  }
  return created;
}

void refuse_dirty_paths(const git::Repository& repo, const std::vector<std::string>& paths) {
  const auto dirty = repo.dirty_paths(paths);
  if (dirty.empty()) return;
  std::string list;
  for (const auto& p : dirty) list += (list.empty() ? "" : ", ") + p;
  throw Error(ErrorCode::RESOURCE_CONFLICT,
              "uncommitted changes in the work tree would be overwritten: " + list + " (commit or stash them first)");
}

git::Oid write_planned_commit(git::Repository& repo, const git::Oid& tip, const Transaction& txn,
                              const PlannedCommit& plan, const git::Signature& committer, const WriteOptions& opts) {
  std::vector<git::TreeUpdate> updates;
  for (const auto& [path, content] : txn.changes())
    updates.push_back({path, content ? std::optional<git::Oid>(repo.write_blob(*content)) : std::nullopt});
  const git::Oid tree = repo.update_tree(repo.read_commit(tip).tree, updates);
  return repo.write_commit(tree, {tip}, signature_of(txn.author()), committer, format_commit_message(plan),
                           opts.sign_commit);
}

std::string stage_tag_prefix(const std::string& model, const std::string& stage) {
  std::string lower = stage;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return model_tag_name(model) + "#" + lower + "#";
}

std::int64_t stage_move_number(const git::Repository& repo, const git::Oid& commit, const std::string& model,
                               const std::string& stage) {
  // Start from the newest existing tag of that kind, so only the commits since it are read.
  const std::string prefix = stage_tag_prefix(model, stage);
  std::int64_t highest = 0;
  std::optional<git::Oid> tagged;
  for (const auto& name : repo.tag_names(prefix + "*")) {
    std::int64_t k = 0;
    try {
      k = std::stoll(name.substr(prefix.size()));
    } catch (...) {
      continue;
    }
    auto target = repo.resolve_commit("refs/tags/" + name);
    if (k > highest && target && repo.is_ancestor(*target, commit)) {
      highest = k;
      tagged = target;
    }
  }
  return highest + count_moves(repo, commit, tagged, model, stage);
}

std::string registration_tag_message(const ModelVersion& v) {
  std::string message = v.name + " version " + std::to_string(v.version) + "\n\nsource: " + v.source + "\n";
  if (!v.run_id.empty()) message += "run_id: " + v.run_id + "\n";
  if (!v.digest.empty()) message += "digest: " + v.digest + "\n";
  return message;
}

std::string stage_tag_message(const std::string& model, std::int64_t version, const std::string& from,
                              const std::string& to, const std::string& request, const std::string& comment) {
  std::string message = model + " version " + std::to_string(version) + ": " + from + " -> " + to + "\n";
  if (!request.empty()) message += "Approved request: " + request + "\n";
  if (!comment.empty()) message += "\n" + comment + "\n";
  return message;
}

std::string format_commit_message(const PlannedCommit& plan) {
  std::string msg = plan.summary + "\n";
  if (!plan.body.empty()) {
    msg += "\n" + plan.body;
    if (msg.back() != '\n') msg += '\n';
  }
  if (!plan.trailers.empty()) {
    msg += "\n";
    for (const auto& [k, v] : plan.trailers) msg += trailer_line(k, v);
  }
  return msg;
}

namespace {

// A dry run plans the write on the branch tip and stops there (mreg/dry_run.h): no lock taken,
// no object written, no ref moved. With --push it plans on the local branch, fetching nothing.
[[noreturn]] void dry_run_operation(Registry::Impl& impl, const WriteOptions& opts, const Operation& op) {
  git::Repository& repo = *impl.repo;
  const auto branch = repo.head_branch();
  if (!branch)
    throw Error(ErrorCode::INVALID_STATE, "HEAD is detached: check out a branch to write to the registry");
  const auto tip = repo.ref_target(*branch);
  if (!tip)
    throw Error(ErrorCode::INVALID_STATE, "the branch " + *branch + " has no commits: not a registry (run 'mreg init')");
  const Identity author = resolve_author(repo, opts.author);
  Transaction txn(impl.snapshot_at(*tip), author);
  const PlannedCommit plan = op(txn);
  if (txn.changes().empty() && !plan.allow_empty) throw DryRun(std::nullopt);
  std::vector<std::string> touched;
  for (const auto& [path, content] : txn.changes()) touched.push_back(path);
  if (!repo.is_bare()) refuse_dirty_paths(repo, touched);  // the real write would be refused
  throw DryRun(preview_commit(&repo, *branch, tip, author, plan, txn.changes(), &txn.base(), opts.create_tags));
}

}  // namespace

git::Oid apply_operation(Registry::Impl& impl, const WriteOptions& opts, const Operation& op) {
  if (opts.dry_run) dry_run_operation(impl, opts, op);
  if (opts.push) return apply_and_push(impl, opts, op);
  git::Repository& repo = *impl.repo;
  const auto branch = repo.head_branch();
  if (!branch)
    throw Error(ErrorCode::INVALID_STATE, "HEAD is detached: check out a branch to write to the registry");
  const Identity author = resolve_author(repo, opts.author);
  const git::Signature committer = resolve_committer(repo, author);

  // With a work tree, writers take turns so that each can bring the index and
  // work tree up to date before the next one checks them for local edits.
  std::unique_ptr<FileLock> lock;
  if (!repo.is_bare()) {
    lock = std::make_unique<FileLock>(repo.git_dir() + "mreg-write.lock");
    recover_worktree(repo);  // what a killed writer left, before the work tree is checked
  }

  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const auto tip = repo.ref_target(*branch);
    if (!tip)
      throw Error(ErrorCode::INVALID_STATE, "the branch " + *branch + " has no commits: not a registry (run 'mreg init')");
    Transaction txn(impl.snapshot_at(*tip), author);
    const PlannedCommit plan = op(txn);
    if (txn.changes().empty() && !plan.allow_empty) {
      impl.last_commit = tip->hex();  // nothing to change: no commit
      return *tip;
    }

    std::vector<std::string> touched;
    for (const auto& [path, content] : txn.changes()) touched.push_back(path);
    if (lock) refuse_dirty_paths(repo, touched);
    const git::Oid commit = write_planned_commit(repo, *tip, txn, plan, committer, opts);
    // Signed (when git is set up to sign tags) before the branch moves: a signer that fails
    // leaves nothing but the unreferenced commit object.
    const auto tags = opts.create_tags ? prepare_tags(repo, plan, commit, committer) : std::vector<TagToMake>{};

    // With a work tree, the index and work tree follow the branch (worktree.h).
    const auto result = move_branch(repo, *branch, *tip, commit, touched, [&] {
      // mreg writers move the ref one at a time (the commit was made outside
      // this lock), so a ref lock file seen while holding it was left by a
      // writer that was killed, or is held by a git process for a moment.
      FileLock ref_lock(repo.git_dir() + "mreg-ref.lock");
      const auto moved = repo.update_ref(*branch, commit, *tip, "mreg: " + plan.summary);
      if (moved == git::Repository::RefUpdate::Locked) remove_stale_lock(repo.git_dir() + *branch + ".lock");
      return moved;
    });
    if (result == git::Repository::RefUpdate::Updated) {
      create_tags(repo, tags, committer);
      pack_in_background_if_needed(repo);
      impl.last_commit = commit.hex();
      return commit;
    }
    // Someone else moved the branch: back off a little, then read it again.
    std::uniform_int_distribution<int> wait(0, 1 << std::min(attempt, 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + wait(rng)));
  }
  throw Error(ErrorCode::RESOURCE_CONFLICT,
              "the branch kept moving under this write; gave up after " + std::to_string(kMaxAttempts) + " attempts");
}

}  // namespace mreg
