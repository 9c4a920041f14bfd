// Internals shared by the registry's source files.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "git.h"
#include "mreg/history.h"
#include "mreg/registry.h"

namespace mreg {

struct Registry::Impl {
  std::shared_ptr<git::Repository> repo;
  std::string last_commit;

  Snapshot snapshot_at(const git::Oid& commit) const;
  // The same, with the folder of `model` already known (from the step cache, verify.cpp):
  // reading that model does not read the large `models/` tree.
  Snapshot snapshot_at(const git::Oid& commit, const std::string& model, const std::optional<git::Oid>& folder) const;
};

class BlobCache;

struct Snapshot::Impl {
  ~Impl();  // writes what the blob cache was given

  std::shared_ptr<git::Repository> repo;
  git::Oid commit;
  git::Oid tree;
  std::string commit_hex;
  Timestamp time = 0;
  RegistryConfig config;
  git::Oid config_blob;

  // A path of the commit; paths below models/<name>/ go through the model's
  // folder, so that the large models/ tree is not read again for each file.
  std::optional<git::TreeEntry> entry(const std::string& path) const;
  std::optional<std::string> read(const std::string& path) const;

  // models/: name -> folder tree, read once (the tree of a large registry is
  // big, and libgit2 does not cache big trees).
  const std::vector<git::TreeEntry>& model_folders() const;
  std::optional<git::Oid> model_folder(const std::string& name) const;
  void know_folder(const std::string& name, const std::optional<git::Oid>& folder) const;
  // The cache of parsed files, once this snapshot has read `kBlobCacheAfter` model folders
  // (counting the `folders` about to be read); null before.
  BlobCache* blob_cache(std::size_t folders) const;
  static constexpr std::size_t kBlobCacheAfter = 16;

  // The manifest in blob `oid` at `path`, parsed (and schema-checked) once per snapshot: one
  // command reads the same model.yaml or request many times (verify reads a model's for its
  // states, its requests and each request's approvals), and parsing is what costs.
  RegisteredModel parsed_model(const git::Oid& oid, const std::string& path) const;
  TransitionRequest parsed_request(const git::Oid& oid, const std::string& path) const;

 private:
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const std::vector<git::TreeEntry>> model_folders_;
  mutable std::map<std::string, std::optional<git::Oid>> folder_lookups_;  // single lookups, remembered
  mutable std::size_t folders_read_ = 0;
  mutable std::unique_ptr<BlobCache> blobs_;
  mutable std::map<std::pair<git::Oid, std::string>, RegisteredModel> parsed_models_;
  mutable std::map<std::pair<git::Oid, std::string>, TransitionRequest> parsed_requests_;
};

// Resolves a revision as the CLI accepts it ("" = HEAD; REV@{DATE}); throws
// RESOURCE_DOES_NOT_EXIST when it names nothing.
git::Oid resolve_revision(const git::Repository& repo, const std::string& rev);
// The newest commit on the first-parent line from `start` committed at or before `when`
// (from the history index).
std::optional<git::Oid> first_parent_at_or_before(const git::Repository& repo, const git::Oid& start, Timestamp when);
// Reads history for one caller, from the history index (made here, locally, from the
// commits themselves, and loaded once per reader) unless mreg.historyIndex is false.
class HistoryReader {
 public:
  explicit HistoryReader(const git::Repository& repo);
  ~HistoryReader();
  HistoryReader(const HistoryReader&) = delete;
  HistoryReader& operator=(const HistoryReader&) = delete;

  // Calls `fn` for every commit reachable from `tip`, in Repository::walk's order, with its
  // committer time and the events it made. With `models`, only the commits whose events
  // name one of them (a model with requests is never renamed, so its requests' history is
  // all there).
  void for_each_commit_events(const git::Oid& tip,
                              const std::function<void(const git::Oid&, Timestamp, const std::vector<Event>&)>& fn,
                              const std::set<std::string>& models = {});
  // `tip` and its first parents, down to the root.
  std::vector<git::Oid> first_parents(const git::Oid& tip);

 private:
  struct Source;
  Source& source();  // made on first use: loading the index is what a history read costs
  const git::Repository& repo_;
  std::unique_ptr<Source> source_;
};

// Every event one commit made: from its Mreg-* trailers, or for a commit made by hand
// (none), from comparing its model folders with its first parent's.
std::vector<Event> commit_events(const git::Repository& repo, const git::CommitInfo& c);

// The identity a write records: explicit, else GIT_AUTHOR_*, else git config.
Identity resolve_author(const git::Repository& repo, const std::optional<Identity>& explicit_author);
// The same with git's configuration read through `config` (before a repository exists).
using ConfigLookup = std::function<std::optional<std::string>(const std::string& key)>;
Identity resolve_author(const ConfigLookup& config, const std::optional<Identity>& explicit_author);
git::Signature resolve_committer(const git::Repository& repo, const Identity& author);

// One attempt of a write: reads from `base`, records file changes.
class Transaction {
 public:
  Transaction(Snapshot base, Identity author) : base_(std::move(base)), author_(std::move(author)) {}
  const Snapshot& base() const { return base_; }
  const Identity& author() const { return author_; }
  // The time the files record: the author's, to the millisecond.
  TimestampMs now() const { return author_.time_ms(); }

  void put(const std::string& path, std::string content) { changes_[path] = std::move(content); }
  void remove(const std::string& path) { changes_[path] = std::nullopt; }
  const std::map<std::string, std::optional<std::string>>& changes() const { return changes_; }

 private:
  Snapshot base_;
  Identity author_;
  std::map<std::string, std::optional<std::string>> changes_;
};

struct PlannedCommit {
  std::string summary;
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string body;  // between the summary and the trailers (a comment)
  std::vector<std::pair<std::string, std::string>> tags;  // name, message
  // NAME#<stage>#K: K is numbered when the commit is made (one more than the last such tag).
  struct StageTag {
    std::string model, stage, message;
  };
  std::optional<StageTag> stage_tag;
  bool allow_empty = false;  // commit even without file changes (a comment)
};

// "power-forecast#production#" for the tags of moves into a stage.
std::string stage_tag_prefix(const std::string& model, const std::string& stage);
// K for the move into `stage` made by `commit`: the number of moves of the model
// into that stage in history up to and including it (tags mark the K-th move).
std::int64_t stage_move_number(const git::Repository& repo, const git::Oid& commit, const std::string& model,
                               const std::string& stage);
// Moves of `model` into `stage` in the commits reachable from `tip` but not from `hide`.
std::int64_t count_moves(const git::Repository& repo, const git::Oid& tip, const std::optional<git::Oid>& hide,
                         const std::string& model, const std::string& stage);
// The tags Registry::sync_tags makes, for the history up to `tip`: returns those created; `derived`
// (when given) gets the name of every tag that history has, created now or before.
std::vector<std::string> sync_tags_at(Registry::Impl& impl, const git::Oid& tip, std::vector<std::string>* derived);
// NAME@vN's message: "NAME version N", then source, run_id and digest lines.
std::string registration_tag_message(const ModelVersion& v);
// NAME#stage#K's message: "NAME version N: FROM -> TO", the request that approved it, the comment.
std::string stage_tag_message(const std::string& model, std::int64_t version, const std::string& from,
                              const std::string& to, const std::string& request, const std::string& comment);

// The commit that deletes a version (and takes its aliases off); `request` is the
// approved request that justifies it (empty: refused when the version holds
// protected state).
PlannedCommit plan_delete_version(Transaction& txn, const std::string& name, std::int64_t version,
                                  const std::string& request, const std::string& trusted_root);
// Refuses (PERMISSION_DENIED) `what` when the model holds protected state.
void check_model_unprotected(const Snapshot& s, const std::string& name, const std::string& what,
                             const std::string& trusted_root);

using Operation = std::function<PlannedCommit(Transaction&)>;

// Runs `op` against the branch tip and commits its changes; retries on a lost race.
git::Oid apply_operation(Registry::Impl& impl, const WriteOptions& opts, const Operation& op);
// The same against a remote branch (opts.push): fetch, apply, push; re-applies on a rejected push.
git::Oid apply_and_push(Registry::Impl& impl, const WriteOptions& opts, const Operation& op);

// The commit `plan` makes on top of `tip`, not yet on any branch.
git::Oid write_planned_commit(git::Repository& repo, const git::Oid& tip, const Transaction& txn,
                              const PlannedCommit& plan, const git::Signature& committer, const WriteOptions& opts);
// Refuses (RESOURCE_CONFLICT) when the work tree has uncommitted changes at `paths`.
void refuse_dirty_paths(const git::Repository& repo, const std::vector<std::string>& paths);
// An annotated tag to make. `signed_text` is its whole object, signature included, when git's
// configuration asks for signed tags; empty for an unsigned tag.
struct TagToMake {
  std::string name;
  git::Oid target;
  std::string message;
  std::string signed_text;
};
// Signs the tags that do not exist yet when git's configuration asks for signed tags
// (tag_signing.h), else does nothing and runs nothing. Throws when the signer fails: callers
// sign before anything refers to the tags (before a write's branch moves), so that a failure
// writes nothing.
void sign_tags(const git::Repository& repo, std::vector<TagToMake>& tags, const git::Signature& tagger);
// Writes one tag, signed or not; false when a tag of that name exists already.
bool write_tag(git::Repository& repo, const TagToMake& tag, const git::Signature& tagger);
// The annotated tags `plan` asks for on `commit`, signed as sign_tags signs them. A tag whose
// number cannot be found now is left out with a warning ('mreg tags sync' makes it later); a
// failing signer throws.
std::vector<TagToMake> prepare_tags(git::Repository& repo, const PlannedCommit& plan, const git::Oid& commit,
                                    const git::Signature& tagger);
// Writes the prepared tags once the commit is on its branch; returns those made (a failure is a
// warning).
std::vector<std::string> create_tags(git::Repository& repo, const std::vector<TagToMake>& tags,
                                     const git::Signature& tagger);

std::string format_commit_message(const PlannedCommit& plan);

}  // namespace mreg
