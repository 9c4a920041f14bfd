// The one layer over libgit2: RAII handles and the few operations the registry
// needs. Nothing outside core/src/git.cpp includes git2.h; errors from libgit2
// become mreg::Error.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mreg/problem.h"
#include "mreg/remote_target.h"

struct git_repository;

namespace mreg::git {

struct Oid {
  std::array<unsigned char, 20> bytes{};

  static Oid from_hex(const std::string& hex);  // throws on a malformed id
  std::string hex() const;
  // The 20 bytes as they are stored in the caches' records.
  std::string_view raw() const { return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()); }
  bool is_zero() const;
  bool operator==(const Oid& o) const { return bytes == o.bytes; }
  bool operator!=(const Oid& o) const { return bytes != o.bytes; }
  bool operator<(const Oid& o) const { return bytes < o.bytes; }
};

enum class ObjectType { Blob, Tree, Commit, Tag, Other };

// Tree entry modes (git's): what a registry folder may hold.
constexpr std::uint32_t kModeTree = 0040000;
constexpr std::uint32_t kModeFile = 0100644;
constexpr std::uint32_t kModeExecutable = 0100755;
struct TreeEntry {
  std::string name;
  Oid oid;
  ObjectType type = ObjectType::Other;
  std::uint32_t mode = 0;
};

// The problem of a tree entry at `path` that is neither a folder nor a regular file (a symbolic
// link, a submodule's gitlink): nothing in a registry's folders may be one.
std::optional<Problem> unexpected_entry(const TreeEntry& e, const std::string& path);

struct Signature {
  std::string name;
  std::string email;
  std::int64_t time = 0;
  int offset_minutes = 0;
};

struct CommitInfo {
  Oid oid;
  Oid tree;
  std::vector<Oid> parents;
  std::string message;
  Signature author;
  Signature committer;
};

// Returns the armored signature over a commit's bytes.
using CommitSigner = std::function<std::string(const std::string& commit_bytes)>;

struct TreeUpdate {
  std::string path;
  std::optional<Oid> blob;  // nullopt removes the path (a file or a whole folder)
};

// How to authenticate to a remote (mreg/remote_target.h).
using Credentials = ::mreg::RemoteCredentials;

// One ref to set on a remote: dst ("refs/heads/main") to target, only as a
// fast-forward from `expected` (nullopt: the ref must not exist yet).
struct RefPush {
  std::string dst;
  Oid target;
  std::optional<Oid> expected;
};

// A ref the remote did not take, with the remote's reason.
struct PushRejection {
  std::string ref;
  std::string reason;
};

// `url` with any password or token in it replaced by "***", for messages.
std::string redact_url(const std::string& url);
// `url` without the password of its user part ("https://u:p@h/x" -> "https://u@h/x"), which goes
// to *password (percent-decoded) when there is one.
std::string strip_password(const std::string& url, std::string* password);

// The trailers of a commit message ("Key: value" lines of its last paragraph), in order.
std::vector<std::pair<std::string, std::string>> parse_trailers(const std::string& message);

// For a process that serves many random reads of one repository for long (mreg serve): pack
// files mapped in windows of 1 MiB, up to 32 MiB at once, and 8 MiB of objects cached, instead
// of 32 MiB windows, two at a
// time, which suit one command's walk. Random reads over a large pack otherwise map and unmap
// a 32 MiB window on most reads, and each unmap stops every thread of the process.
void use_small_pack_windows();
// While alive, windows add up to as much as a pass over most of a pack needs (`limit`), so
// that each is mapped once; afterwards the next read unmaps all but the usual limit's worth.
class WidePackWindows {
 public:
  explicit WidePackWindows(std::size_t limit);
  ~WidePackWindows();
  WidePackWindows(const WidePackWindows&) = delete;
  WidePackWindows& operator=(const WidePackWindows&) = delete;

 private:
  std::size_t usual_ = 0;
};

// While alive, trees read are not kept in libgit2's object cache (for a walk that reads each
// commit's large models/ tree once: keeping them all costs a fresh buffer each).
class UncachedTrees {
 public:
  UncachedTrees();
  ~UncachedTrees();
  UncachedTrees(const UncachedTrees&) = delete;
  UncachedTrees& operator=(const UncachedTrees&) = delete;
};

// A value of git's configuration outside any repository (system, XDG and global files, found as
// git finds them); nullopt when not set.
std::optional<std::string> user_config_string(const std::string& key);

// The unified diff (`git diff` format, 3 lines of context) of one file from `old_text` to
// `new_text`; nullopt stands for no file (an addition or a deletion).
std::string unified_diff(const std::string& path, const std::optional<std::string>& old_text,
                         const std::optional<std::string>& new_text);

class Repository {
 public:
  // Finds the repository at or above `path` (a work tree or a git folder).
  static Repository open(const std::string& path);
  static Repository init(const std::string& path, bool bare);

  Repository(Repository&& other) noexcept;
  Repository& operator=(Repository&& other) noexcept;
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;
  ~Repository();

  bool is_bare() const;
  // Throws INVALID_STATE when the repository is a shallow clone: history and pushes need
  // every commit (libgit2 1.5 neither reads nor deepens shallow history).
  void require_full_history() const;
  std::string git_dir() const;   // with a trailing '/'
  std::string common_dir() const;  // where objects/ is (the git dir, but for a linked work tree); trailing '/'
  std::string work_dir() const;  // empty when bare; with a trailing '/'

  // The branch HEAD names ("refs/heads/main"), born or not; nullopt when detached.
  std::optional<std::string> head_branch() const;
  std::optional<Oid> ref_target(const std::string& refname) const;
  // A revision as git understands it, peeled to a commit; nullopt when unknown.
  std::optional<Oid> resolve_commit(const std::string& spec) const;
  // The size of the repository's pack files, in bytes.
  std::size_t pack_bytes() const;
  // The full name of the ref that `spec` names as revparse reads it ("main" ->
  // "refs/heads/main"); nullopt when it names no ref (a commit id, "main~1").
  std::optional<std::string> full_ref_name(const std::string& spec) const;
  // Compare-and-swap: moves `refname` to `target` only if it still points at
  // `expected` (or does not exist, when expected is nullopt). Moved when it lost the
  // race; Locked when another process holds the ref's lock file.
  enum class RefUpdate { Updated, Moved, Locked };
  RefUpdate update_ref(const std::string& refname, const Oid& target,
                       const std::optional<Oid>& expected, const std::string& log_message);

  std::string read_blob(const Oid& oid) const;
  // The size of a blob, read from its header; nullopt when `oid` is not a blob.
  std::optional<std::size_t> blob_size(const Oid& oid) const;
  // A registry file's bytes; a ManifestError naming `path` when the blob is larger than
  // `limit`, found before it is read.
  std::string read_registry_file(const Oid& oid, const std::string& path,
                                 std::size_t limit = kMaxRegistryFileBytes) const;
  std::vector<TreeEntry> read_tree(const Oid& oid) const;
  std::optional<TreeEntry> tree_entry(const Oid& tree, const std::string& path) const;
  // The entries that two trees do not share alike (added, removed or changed), by
  // name, copying only those: a walk of history compares trees of thousands of
  // entries that differ in one.
  struct EntryChange {
    std::string name;
    std::optional<TreeEntry> before, after;  // nullopt where the tree has no such entry
  };
  std::vector<EntryChange> changed_entries(const Oid& a, const Oid& b) const;
  CommitInfo read_commit(const Oid& oid) const;
  bool object_exists(const Oid& oid) const;

  Oid write_blob(const std::string& data);
  Oid update_tree(const std::optional<Oid>& base, const std::vector<TreeUpdate>& updates);
  // With `sign`, the commit carries its signature in a gpgsig header, as `git commit -S` writes it.
  Oid write_commit(const Oid& tree, const std::vector<Oid>& parents, const Signature& author,
                   const Signature& committer, const std::string& message, const CommitSigner& sign = {});
  // An annotated tag; false when a tag of that name exists already.
  bool create_tag(const std::string& name, const Oid& target, const Signature& tagger,
                  const std::string& message);
  // The bytes of the tag object create_tag writes, as git writes them: the object, type, tag
  // and tagger lines, a blank line, the message. What `git tag -s` signs.
  std::string tag_object_text(const std::string& name, const Oid& target, const Signature& tagger,
                              const std::string& message) const;
  // An annotated tag whose object is `text` as it is (a signed tag: tag_object_text followed by
  // the armored signature); false when a tag of that name exists already.
  bool create_tag_from_text(const std::string& name, const std::string& text);
  std::vector<std::string> tag_names(const std::string& pattern) const;
  bool tag_exists(const std::string& name) const;

  // Commits reachable from `from` but not from `hide`, children before parents,
  // newest first among unrelated commits.
  std::vector<Oid> walk(const Oid& from, const std::optional<Oid>& hide = std::nullopt) const;
  // Is `ancestor` reachable from `descendant` (or equal)?
  bool is_ancestor(const Oid& ancestor, const Oid& descendant) const;
  // The best common ancestor of two commits; nullopt when they share none.
  std::optional<Oid> merge_base(const Oid& a, const Oid& b) const;

  // Moves `refname` to `target` whatever it pointed at (refs that mirror a remote).
  void set_ref(const std::string& refname, const Oid& target, const std::string& log_message);
  // Points HEAD at a branch (born or not).
  void set_head(const std::string& refname);
  // Paths (files) that differ between two trees; `from` nullopt is the empty tree.
  std::vector<std::string> changed_paths(const std::optional<Oid>& from, const Oid& to) const;

  // Remotes. `remote` is the name of a configured remote; `url` its URL.
  std::optional<std::string> remote_url(const std::string& remote) const;
  void set_remote_url(const std::string& remote, const std::string& url);
  // What a remote advertised when fetched from.
  struct Advertised {
    std::string default_branch;              // "refs/heads/main"; "" when the remote does not say
    std::map<std::string, Oid> refs;         // every ref, by name
  };
  // Fetches `refspecs` from the remote (all tags too with all_tags, else those that
  // point into what is fetched). Ref updates follow the refspecs; with prune, refs the
  // remote no longer has are removed.
  Advertised fetch(const std::string& remote, const std::vector<std::string>& refspecs,
                    const Credentials& credentials, bool all_tags = false, bool prune = false);
  // Sends the objects and sets the refs; returns the refs the remote refused
  // (empty when every one was set). A remote that moved meanwhile refuses.
  std::vector<PushRejection> push(const std::string& remote, const std::vector<RefPush>& updates,
                                  const Credentials& credentials);

  std::optional<std::string> config_string(const std::string& key) const;
  // A boolean as git reads it (true/yes/on/1, false/no/off/0, "key" alone is true); nullopt
  // when unset; INVALID_PARAMETER_VALUE naming the key when it is no boolean.
  std::optional<bool> config_bool(const std::string& key) const;
  // Of several keys that set the same thing, the one git reads last (system, global, then the
  // repository's configuration, each in file order): its name and value; nullopt when none is set.
  std::optional<std::pair<std::string, std::string>> config_last_of(const std::vector<std::string>& keys) const;
  // Sets a value in the repository's own configuration (.git/config).
  void set_config_string(const std::string& key, const std::string& value);

  // A mirror's update: fetches every ref of `url` under the same name (refs the
  // remote no longer has are removed) and points HEAD where the remote's HEAD points.
  void fetch_mirror(const std::string& url, const Credentials& credentials);

  // Work tree: the touched paths that differ between HEAD, the index and the
  // work tree (untracked files included), as "path" strings.
  std::vector<std::string> dirty_paths(const std::vector<std::string>& paths) const;
  // Makes the index and work tree equal to `tree` at the given paths
  // (files or folders; a path absent from `tree` is removed). The caller holds
  // <git dir>/index.lock (mreg::IndexLock): the index is written beside it and
  // renamed into place.
  void sync_paths(const Oid& tree, const std::vector<std::string>& paths);
  // The same for a change from `old_tree` to `new_tree` that was committed but whose
  // index and work tree update may not have finished (its writer was killed): each file
  // at or below `paths` whose index entry and work-tree content are each the old
  // commit's or the new one's is brought to the new one; a file changed by hand since
  // (in neither state) is left as it is and returned. The caller holds index.lock.
  std::vector<std::string> catch_up_paths(const std::optional<Oid>& old_tree, const Oid& new_tree,
                                          const std::vector<std::string>& paths);

  git_repository* raw() const { return repo_; }

 private:
  // Takes `repo` with the configuration files git reads (git.cpp, use_gits_configuration).
  explicit Repository(git_repository* repo);
  git_repository* repo_ = nullptr;
  std::shared_ptr<struct TreeScanMemo> scan_memo_;  // git.cpp
};

}  // namespace mreg::git
