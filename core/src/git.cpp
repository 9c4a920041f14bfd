#include "git.h"
#include "raw_tree.h"

#include <git2.h>
#include <git2/sys/repository.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>

#include "mreg/error.h"
#include "mreg/hex.h"
#include "mreg/problem.h"

namespace fs = std::filesystem;

// git_libgit2_init sets up every transport, which Debian's libgit2 makes costly: for TLS
// (mbedTLS) it seeds a random generator with HAVEGE and parses every certificate of the system CA
// bundle; for ssh, libssh2 initialises OpenSSL, which loads its engines and error strings. Each
// costs more than reading a version file, and only remotes need them. The executables link
// libgit2 statically with -Wl,--wrap for these entry points (cmake/static_libraries.cmake): the
// set-ups are skipped at init, and each is done once before its transport is first used.
extern "C" {
int __real_git_mbedtls_stream_global_init();
int __real_git_mbedtls_stream_new(void** out, const char* host, const char* port);
int __real_git_mbedtls_stream_wrap(void** out, void* in, const char* host);
int __real_git_mbedtls__set_cert_location(const char* file, const char* path);
int __real_git_transport_ssh_global_init();
int __real_git_smart_subtransport_ssh(void** out, void* owner, void* param);
int __real_git_transport_ssh_with_paths(void** out, void* owner, void* payload);
}

namespace {
template <int (*Init)()>
int set_up_once() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] { rc = Init(); });
  return rc;
}
constexpr auto tls_ready = set_up_once<__real_git_mbedtls_stream_global_init>;
constexpr auto ssh_ready = set_up_once<__real_git_transport_ssh_global_init>;
}  // namespace

extern "C" {
int __wrap_git_mbedtls_stream_global_init() { return 0; }  // done by tls_ready()
int __wrap_git_mbedtls_stream_new(void** out, const char* host, const char* port) {
  if (int rc = tls_ready(); rc < 0) return rc;
  return __real_git_mbedtls_stream_new(out, host, port);
}
int __wrap_git_mbedtls_stream_wrap(void** out, void* in, const char* host) {
  if (int rc = tls_ready(); rc < 0) return rc;
  return __real_git_mbedtls_stream_wrap(out, in, host);
}
int __wrap_git_mbedtls__set_cert_location(const char* file, const char* path) {
  if (int rc = tls_ready(); rc < 0) return rc;
  return __real_git_mbedtls__set_cert_location(file, path);
}
int __wrap_git_transport_ssh_global_init() { return 0; }  // done by ssh_ready()
int __wrap_git_smart_subtransport_ssh(void** out, void* owner, void* param) {
  if (int rc = ssh_ready(); rc < 0) return rc;
  return __real_git_smart_subtransport_ssh(out, owner, param);
}
int __wrap_git_transport_ssh_with_paths(void** out, void* owner, void* payload) {
  if (int rc = ssh_ready(); rc < 0) return rc;
  return __real_git_transport_ssh_with_paths(out, owner, payload);
}
}

namespace mreg::git {
namespace {

constexpr std::size_t kTreeCacheLimit = std::size_t(1) << 20;

struct LibraryInit {
  LibraryInit() {
    git_libgit2_init();
    // Reads of many trees touch pages all over a large pack, and fill the object cache:
    // map the pack in smaller windows, fewer at a time, and keep the cache small.
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, static_cast<size_t>(32) << 20);
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, static_cast<size_t>(64) << 20);
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(32) << 20);
    // Big trees too (libgit2 caches none over 4 KiB by default): a walk of history reads
    // each commit's models/ tree twice, as the tree after one step and before the next.
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, kTreeCacheLimit);
    // Objects are checked as git checks them (git fsck, and on fetch); hashing
    // every object read again, as libgit2 does by default and git does not,
    // costs a tenth of a history walk.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
  }
};
void ensure_init() { static LibraryInit once; }

}  // namespace

void use_small_pack_windows() {
  ensure_init();
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, static_cast<size_t>(1) << 20);
  // Such a process keeps what it parsed (mreg/long_running.h): few reads go to the packs, and
  // what is mapped counts in its resident memory.
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, static_cast<size_t>(32) << 20);
  git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(8) << 20);
}

WidePackWindows::WidePackWindows(std::size_t limit) {
  ensure_init();
  git_libgit2_opts(GIT_OPT_GET_MWINDOW_MAPPED_LIMIT, &usual_);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, std::max(limit, usual_));
}

WidePackWindows::~WidePackWindows() { git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, usual_); }

// libgit2's own limit (4 KiB) for the small trees of a folder; the option is process-wide, so
// another thread's reads meanwhile keep fewer trees too (slower, never wrong).
UncachedTrees::UncachedTrees() {
  ensure_init();
  git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, static_cast<std::size_t>(4096));
}
UncachedTrees::~UncachedTrees() { git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, kTreeCacheLimit); }

namespace {

[[noreturn]] void fail(const std::string& what, int rc) {
  const git_error* e = git_error_last();
  std::string msg = what + ": " + (e && e->message ? e->message : "libgit2 error " + std::to_string(rc));
  throw Error(ErrorCode::INTERNAL_ERROR, msg);
}
void check(int rc, const std::string& what) {
  if (rc < 0) fail(what, rc);
}

// Writes an object with `write` (a libgit2 call that returns its error code). `git gc`
// (prune-packed) removes the empty folders of objects/ it packed, and may remove the one a
// new loose object is just being renamed into; git itself tries again then, and so does this.
template <typename Write>
int writing_object(const Write& write) {
  int rc = 0;
  for (int attempt = 0; attempt < 10; ++attempt) {
    rc = write();
    const git_error* e = git_error_last();
    if (rc >= 0 || !e || !e->message || std::strstr(e->message, "No such file or directory") == nullptr) break;
  }
  return rc;
}

// RAII handles: one deleter per libgit2 type.
template <typename T, void (*Free)(T*)>
struct Handle {
  T* p = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (p) Free(p);
  }
  T** out() { return &p; }
  T* get() const { return p; }
};
using ObjectH = Handle<git_object, git_object_free>;
using TreeH = Handle<git_tree, git_tree_free>;
using TreeEntryH = Handle<git_tree_entry, git_tree_entry_free>;
using BlobH = Handle<git_blob, git_blob_free>;
using CommitH = Handle<git_commit, git_commit_free>;
using RefH = Handle<git_reference, git_reference_free>;
using SigH = Handle<git_signature, git_signature_free>;
using ConfigH = Handle<git_config, git_config_free>;
using IndexH = Handle<git_index, git_index_free>;
using StatusH = Handle<git_status_list, git_status_list_free>;
using OdbH = Handle<git_odb, git_odb_free>;
using RemoteH = Handle<git_remote, git_remote_free>;
using RepoH = Handle<git_repository, git_repository_free>;

git_oid to_git(const Oid& o) {
  git_oid g;
  std::memcpy(g.id, o.bytes.data(), 20);
  return g;
}
Oid from_git(const git_oid* g) {
  Oid o;
  std::memcpy(o.bytes.data(), g->id, 20);
  return o;
}
ObjectType type_of(git_object_t t) {
  switch (t) {
    case GIT_OBJECT_BLOB: return ObjectType::Blob;
    case GIT_OBJECT_TREE: return ObjectType::Tree;
    case GIT_OBJECT_COMMIT: return ObjectType::Commit;
    case GIT_OBJECT_TAG: return ObjectType::Tag;
    default: return ObjectType::Other;
  }
}
Signature from_git(const git_signature* s) {
  return Signature{s->name ? s->name : "", s->email ? s->email : "", s->when.time, s->when.offset};
}
void make_sig(SigH& out, const Signature& s) {
  check(git_signature_new(out.out(), s.name.c_str(), s.email.c_str(), s.time, s.offset_minutes),
        "invalid identity '" + s.name + " <" + s.email + ">'");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_trailers(const std::string& message) {
  ensure_init();  // libgit2's allocator is set up by its init
  git_message_trailer_array arr{};
  std::vector<std::pair<std::string, std::string>> out;
  if (git_message_trailers(&arr, message.c_str()) < 0) return out;
  for (size_t i = 0; i < arr.count; ++i) out.emplace_back(arr.trailers[i].key, arr.trailers[i].value);
  git_message_trailer_array_free(&arr);
  return out;
}

Oid Oid::from_hex(const std::string& hex) {
  git_oid g;
  if (hex.size() != 40 || git_oid_fromstr(&g, hex.c_str()) < 0)
    throw Error(ErrorCode::INVALID_PARAMETER_VALUE, "not an object id: '" + hex + "'");
  return from_git(&g);
}

std::string Oid::hex() const { return hex_encode(bytes.data(), bytes.size()); }

bool Oid::is_zero() const {
  for (auto b : bytes)
    if (b) return false;
  return true;
}

namespace {

// "1", "true", "yes", "on" (any case), as git reads GIT_CONFIG_NOSYSTEM.
bool env_true(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return false;
  std::string s(v);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "1" || s == "true" || s == "yes" || s == "on";
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// The configuration files git reads, lowest priority first (git-config(1), FILES):
// system ($GIT_CONFIG_SYSTEM, else /etc/gitconfig; none with GIT_CONFIG_NOSYSTEM), then
// $GIT_CONFIG_GLOBAL alone, else $XDG_CONFIG_HOME/git/config (~/.config/git/config) and
// ~/.gitconfig, then the repository's own (without `repo`, none). libgit2 knows the default
// paths but none of these variables, so the configuration is put together here.
void open_gits_configuration(ConfigH& cfg, git_repository* repo) {
  check(git_config_new(cfg.out()), "cannot make a configuration");
  auto add = [&](const std::string& path, git_config_level_t level) {
    check(git_config_add_file_ondisk(cfg.get(), path.c_str(), level, repo, 0),
          "cannot read the git configuration " + path);
  };
  if (!env_true("GIT_CONFIG_NOSYSTEM")) add(env_or("GIT_CONFIG_SYSTEM", "/etc/gitconfig"), GIT_CONFIG_LEVEL_SYSTEM);
  const std::string home = env_or("HOME", "");
  if (const char* global = std::getenv("GIT_CONFIG_GLOBAL"); global && *global) {
    add(global, GIT_CONFIG_LEVEL_GLOBAL);
  } else {
    const std::string xdg = env_or("XDG_CONFIG_HOME", home.empty() ? "" : home + "/.config");
    if (!xdg.empty()) add(xdg + "/git/config", GIT_CONFIG_LEVEL_XDG);
    if (!home.empty()) add(home + "/.gitconfig", GIT_CONFIG_LEVEL_GLOBAL);
  }
  if (repo) add(std::string(git_repository_commondir(repo)) + "config", GIT_CONFIG_LEVEL_LOCAL);
}

void use_gits_configuration(git_repository* repo) {
  ConfigH cfg;
  open_gits_configuration(cfg, repo);
  check(git_repository_set_config(repo, cfg.get()), "cannot set the repository's configuration");
}

}  // namespace

std::optional<std::string> user_config_string(const std::string& key) {
  ensure_init();
  ConfigH cfg;
  open_gits_configuration(cfg, nullptr);
  git_buf value = GIT_BUF_INIT;
  if (git_config_get_string_buf(&value, cfg.get(), key.c_str()) < 0) {
    git_error_clear();
    return std::nullopt;
  }
  std::string text(value.ptr, value.size);
  git_buf_dispose(&value);
  return text;
}

std::string unified_diff(const std::string& path, const std::optional<std::string>& old_text,
                         const std::optional<std::string>& new_text) {
  ensure_init();
  Handle<git_patch, git_patch_free> patch;
  const char* p = path.c_str();
  check(git_patch_from_buffers(patch.out(), old_text ? old_text->data() : nullptr, old_text ? old_text->size() : 0,
                               old_text ? p : nullptr, new_text ? new_text->data() : nullptr,
                               new_text ? new_text->size() : 0, new_text ? p : nullptr, nullptr),
        "cannot compare the versions of " + path);
  git_buf buf = GIT_BUF_INIT;
  check(git_patch_to_buf(&buf, patch.get()), "cannot print the changes of " + path);
  std::string text(buf.ptr, buf.size);
  git_buf_dispose(&buf);
  return text;
}

// The last large tree read (raw_tree.h, ScannedTree), kept scanned: the deploy gate, the
// history and a server look names up in one models/ tree again and again, and in the models/
// trees of neighbouring commits, which differ in a few entries.
struct TreeScanMemo {
  static constexpr std::size_t kLargeTree = 16 * 1024;
  struct Known {
    Oid oid;
    std::shared_ptr<git_odb_object> object;  // the bytes `scan` points into
    ScannedTree scan;
  };
  std::mutex mutex;
  std::shared_ptr<const Known> last;

  std::shared_ptr<const Known> get() {
    std::lock_guard<std::mutex> lock(mutex);
    return last;
  }
  // The tree `oid`, read as `object`, scanned like `known` (which may be null) and kept; null
  // when git would not write it so (the caller asks libgit2, which says why).
  std::shared_ptr<const Known> scan(const std::shared_ptr<const Known>& known, std::shared_ptr<git_odb_object> object,
                                    const Oid& oid, TreeDifference* difference = nullptr) {
    auto next = std::make_shared<Known>();
    next->oid = oid;
    const char* data = static_cast<const char*>(git_odb_object_data(object.get()));
    const std::size_t size = git_odb_object_size(object.get());
    next->object = std::move(object);
    if (!(known ? scan_raw_tree_like(known->scan, data, size, &next->scan, difference)
                : scan_raw_tree(data, size, &next->scan)))
      return nullptr;
    std::lock_guard<std::mutex> lock(mutex);
    last = next;
    return next;
  }
};

Repository::Repository(git_repository* repo) : repo_(repo), scan_memo_(std::make_shared<TreeScanMemo>()) {
  try {
    use_gits_configuration(repo_);
  } catch (...) {
    git_repository_free(repo_);
    throw;
  }
}

Repository Repository::open(const std::string& path) {
  ensure_init();
  git_repository* repo = nullptr;
  int rc = git_repository_open_ext(&repo, path.c_str(), 0, nullptr);
  if (rc == GIT_ENOTFOUND)
    throw Error(ErrorCode::INVALID_STATE, "not a git repository (or any parent up to /): " + path);
  check(rc, "cannot open repository " + path);
  return Repository(repo);
}

Repository Repository::init(const std::string& path, bool bare) {
  ensure_init();
  git_repository* repo = nullptr;
  git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  opts.flags = GIT_REPOSITORY_INIT_MKPATH | (bare ? GIT_REPOSITORY_INIT_BARE : 0);
  opts.initial_head = "main";
  check(git_repository_init_ext(&repo, path.c_str(), &opts), "cannot create repository " + path);
  return Repository(repo);
}

Repository::Repository(Repository&& other) noexcept : repo_(other.repo_), scan_memo_(std::move(other.scan_memo_)) {
  other.repo_ = nullptr;
}
Repository& Repository::operator=(Repository&& other) noexcept {
  if (this != &other) {
    if (repo_) git_repository_free(repo_);
    repo_ = other.repo_;
    other.repo_ = nullptr;
    scan_memo_ = std::move(other.scan_memo_);
  }
  return *this;
}
Repository::~Repository() {
  if (repo_) git_repository_free(repo_);
}

bool Repository::is_bare() const { return git_repository_is_bare(repo_); }
void Repository::require_full_history() const {
  if (git_repository_is_shallow(repo_) != 1) return;
  git_error_clear();
  throw Error(ErrorCode::INVALID_STATE,
              "the repository is a shallow clone, and mreg needs its whole history: run 'git fetch --unshallow' "
              "(in CI, check out with fetch-depth: 0 or GIT_DEPTH: 0)");
}
std::string Repository::git_dir() const { return git_repository_path(repo_); }
std::string Repository::common_dir() const { return git_repository_commondir(repo_); }
std::string Repository::work_dir() const {
  const char* w = git_repository_workdir(repo_);
  return w ? w : "";
}

std::optional<std::string> Repository::head_branch() const {
  RefH head;
  int rc = git_reference_lookup(head.out(), repo_, "HEAD");
  check(rc, "cannot read HEAD");
  if (git_reference_type(head.get()) != GIT_REFERENCE_SYMBOLIC) return std::nullopt;
  return std::string(git_reference_symbolic_target(head.get()));
}

std::optional<Oid> Repository::ref_target(const std::string& refname) const {
  git_oid out;
  int rc = git_reference_name_to_id(&out, repo_, refname.c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) return std::nullopt;
  check(rc, "cannot read ref " + refname);
  return from_git(&out);
}

std::optional<Oid> Repository::resolve_commit(const std::string& spec) const {
  // A full ref name is one lookup; revparse would first try it as other kinds of names.
  if (spec == "HEAD" || spec.rfind("refs/", 0) == 0) {
    git_oid id;
    ObjectH target;
    ObjectH commit;
    if (git_reference_name_to_id(&id, repo_, spec.c_str()) == 0 &&
        git_object_lookup(target.out(), repo_, &id, GIT_OBJECT_ANY) == 0 &&
        git_object_peel(commit.out(), target.get(), GIT_OBJECT_COMMIT) == 0)
      return from_git(git_object_id(commit.get()));
  }
  ObjectH obj;
  int rc = git_revparse_single(obj.out(), repo_, spec.c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EAMBIGUOUS) return std::nullopt;
  if (rc < 0) return std::nullopt;
  ObjectH commit;
  if (git_object_peel(commit.out(), obj.get(), GIT_OBJECT_COMMIT) < 0) return std::nullopt;
  return from_git(git_object_id(commit.get()));
}

std::size_t Repository::pack_bytes() const {
  std::size_t bytes = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(git_dir() + "objects/pack", ec)) {
    if (e.path().extension() != ".pack") continue;
    const auto size = e.file_size(ec);
    if (!ec) bytes += size;
  }
  return bytes;
}

std::optional<std::string> Repository::full_ref_name(const std::string& spec) const {
  // A full commit id is read as one before any ref of that name.
  if (spec.size() == 40 && spec.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) return std::nullopt;
  RefH ref;
  if (spec.empty() || git_reference_dwim(ref.out(), repo_, spec.c_str()) < 0) return std::nullopt;
  return std::string(git_reference_name(ref.get()));
}

Repository::RefUpdate Repository::update_ref(const std::string& refname, const Oid& target,
                            const std::optional<Oid>& expected, const std::string& log_message) {
  git_oid t = to_git(target);
  RefH ref;
  int rc;
  if (expected) {
    git_oid e = to_git(*expected);
    rc = git_reference_create_matching(ref.out(), repo_, refname.c_str(), &t, 1, &e,
                                       log_message.c_str());
  } else {
    rc = git_reference_create(ref.out(), repo_, refname.c_str(), &t, 0, log_message.c_str());
  }
  if (rc == GIT_ELOCKED) return RefUpdate::Locked;
  if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS) return RefUpdate::Moved;
  // libgit2 reports a held lock file as a plain error on some paths.
  if (rc < 0 && git_error_last() && std::strstr(git_error_last()->message, ".lock")) return RefUpdate::Locked;
  check(rc, "cannot update " + refname);
  return RefUpdate::Updated;
}

std::string Repository::read_blob(const Oid& oid) const {
  git_oid g = to_git(oid);
  BlobH blob;
  check(git_blob_lookup(blob.out(), repo_, &g), "cannot read blob " + oid.hex());
  auto* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::string(data, static_cast<size_t>(git_blob_rawsize(blob.get())));
}

std::optional<Problem> unexpected_entry(const TreeEntry& e, const std::string& path) {
  const char* kind = nullptr;
  switch (e.mode) {
    case kModeTree:
    case kModeFile:
    case kModeExecutable: return std::nullopt;
    case GIT_FILEMODE_LINK: kind = "a symbolic link"; break;
    case GIT_FILEMODE_COMMIT: kind = "a submodule (gitlink)"; break;
    default: kind = "a tree entry of an unknown mode"; break;
  }
  return Problem{path, 0, std::string("is ") + kind + "; a registry holds only plain files and folders"};
}

std::optional<std::size_t> Repository::blob_size(const Oid& oid) const {
  git_oid g = to_git(oid);
  OdbH odb;
  check(git_repository_odb(odb.out(), repo_), "cannot open the object database");
  size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (git_odb_read_header(&size, &type, odb.get(), &g) < 0 || type != GIT_OBJECT_BLOB) return std::nullopt;
  return size;
}

std::string Repository::read_registry_file(const Oid& oid, const std::string& path, std::size_t limit) const {
  // The size from the object's header, before its bytes are inflated: a blob of a gigabyte of
  // zeros takes a megabyte in a pack.
  if (auto size = blob_size(oid); size && *size > limit) throw ManifestError({file_too_large(path, *size, limit)});
  return read_blob(oid);
}

std::vector<TreeEntry> Repository::read_tree(const Oid& oid) const {
  git_oid g = to_git(oid);
  TreeH tree;
  check(git_tree_lookup(tree.out(), repo_, &g), "cannot read tree " + oid.hex());
  size_t n = git_tree_entrycount(tree.get());
  std::vector<TreeEntry> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree.get(), i);
    out.push_back(TreeEntry{git_tree_entry_name(e), from_git(git_tree_entry_id(e)),
                            type_of(git_tree_entry_type(e)),
                            static_cast<std::uint32_t>(git_tree_entry_filemode(e))});
  }
  return out;
}

namespace {
ObjectType type_of_mode(std::uint32_t mode) {
  return mode == 040000 ? ObjectType::Tree : mode == 0160000 ? ObjectType::Commit : ObjectType::Blob;
}

// A large tree, scanned (TreeScanMemo), read like the memo's last tree; null for a small,
// unusual or unreadable one.
std::shared_ptr<const TreeScanMemo::Known> scanned_tree(git_odb* odb, TreeScanMemo& memo, const Oid& oid,
                                                        const std::shared_ptr<const TreeScanMemo::Known>& like,
                                                        TreeDifference* difference) {
  if (like && like->oid == oid) return like;
  git_oid g = to_git(oid);
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, odb, &g) < 0) return nullptr;
  std::shared_ptr<git_odb_object> object(raw, git_odb_object_free);
  if (git_odb_object_type(raw) != GIT_OBJECT_TREE || git_odb_object_size(raw) < TreeScanMemo::kLargeTree) return nullptr;
  return memo.scan(like, std::move(object), oid, difference);
}
}  // namespace

std::vector<Repository::EntryChange> Repository::changed_entries(const Oid& a, const Oid& b) const {
  std::vector<EntryChange> out;
  if (a == b) return out;
  // Two large trees, as the models/ trees of neighbouring commits are: their bytes are
  // compared, and only the entries where they differ are read.
  OdbH odb;
  if (git_repository_odb(odb.out(), repo_) == 0) {
    TreeDifference difference;
    std::shared_ptr<const TreeScanMemo::Known> left = scanned_tree(odb.get(), *scan_memo_, a, scan_memo_->get(), nullptr);
    std::shared_ptr<const TreeScanMemo::Known> right =
        left ? scanned_tree(odb.get(), *scan_memo_, b, left, &difference) : nullptr;
    if (right) {
      std::map<std::string_view, EntryChange> changed;
      auto entry = [](const RawEntry& e) {
        Oid id;
        std::memcpy(id.bytes.data(), e.id, 20);
        return TreeEntry{std::string(e.name), id, type_of_mode(e.mode), e.mode};
      };
      for (std::size_t i = difference.first; i < difference.known_after; ++i) {
        const RawEntry e = raw_entry(left->scan, i);
        changed[e.name].before = entry(e);
      }
      for (std::size_t i = difference.first; i < difference.new_after; ++i) {
        const RawEntry e = raw_entry(right->scan, i);
        changed[e.name].after = entry(e);
      }
      for (auto& [name, e] : changed) {
        if (e.before && e.after && e.before->oid == e.after->oid && e.before->mode == e.after->mode) continue;
        e.name = std::string(name);
        out.push_back(std::move(e));
      }
      return out;
    }
  }
  git_oid ga = to_git(a), gb = to_git(b);
  TreeH left, right;
  check(git_tree_lookup(left.out(), repo_, &ga), "cannot read tree " + a.hex());
  check(git_tree_lookup(right.out(), repo_, &gb), "cannot read tree " + b.hex());
  auto entry = [](const git_tree_entry* e) {
    return TreeEntry{git_tree_entry_name(e), from_git(git_tree_entry_id(e)), type_of(git_tree_entry_type(e)),
                     static_cast<std::uint32_t>(git_tree_entry_filemode(e))};
  };
  const size_t nl = git_tree_entrycount(left.get()), nr = git_tree_entrycount(right.get());
  std::map<std::string, EntryChange> changed;
  size_t i = 0, j = 0;
  // Both lists are in git's order, which is strcmp's but where a folder sorts as
  // "name/": where the two differ, an entry may be met out of step with its pair,
  // and is matched with it below.
  while (i < nl || j < nr) {
    const git_tree_entry* l = i < nl ? git_tree_entry_byindex(left.get(), i) : nullptr;
    const git_tree_entry* r = j < nr ? git_tree_entry_byindex(right.get(), j) : nullptr;
    const int c = !l ? 1 : !r ? -1 : std::strcmp(git_tree_entry_name(l), git_tree_entry_name(r));
    if (c == 0) {
      if (git_oid_cmp(git_tree_entry_id(l), git_tree_entry_id(r)) != 0 ||
          git_tree_entry_filemode(l) != git_tree_entry_filemode(r))
        changed[git_tree_entry_name(l)] = EntryChange{git_tree_entry_name(l), entry(l), entry(r)};
      ++i, ++j;
    } else if (c < 0) {
      auto& e = changed[git_tree_entry_name(l)];
      e.name = git_tree_entry_name(l);
      e.before = entry(l);
      ++i;
    } else {
      auto& e = changed[git_tree_entry_name(r)];
      e.name = git_tree_entry_name(r);
      e.after = entry(r);
      ++j;
    }
  }
  for (auto& [name, e] : changed)
    if (!(e.before && e.after && e.before->oid == e.after->oid && e.before->mode == e.after->mode))
      out.push_back(std::move(e));
  return out;
}

namespace {

// tree_entry by scanning each tree's bytes on the path (raw_tree.h); nullopt when the raw
// scan cannot answer as libgit2 would, which then answers itself. A large tree is kept scanned
// in `memo`: the next lookup in it is a binary search, and one in a tree like it (the same
// folder in the next commit) reads only the entries where the two differ.
std::optional<std::optional<TreeEntry>> raw_tree_entry(git_repository* repo, TreeScanMemo& memo, const Oid& tree_oid,
                                                       const std::string& path) {
  OdbH odb;
  if (git_repository_odb(odb.out(), repo) < 0) return std::nullopt;
  Oid current = tree_oid;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view name(path.data() + start, (slash == std::string::npos ? path.size() : slash) - start);
    if (name.empty()) return std::nullopt;
    RawTreeLookup found;
    const auto known = memo.get();
    if (known && known->oid == current) {
      found = lookup_in_scanned_tree(known->scan, name);
    } else {
      git_oid g = to_git(current);
      git_odb_object* raw = nullptr;
      if (git_odb_read(&raw, odb.get(), &g) < 0) return std::nullopt;
      std::shared_ptr<git_odb_object> object(raw, git_odb_object_free);
      if (git_odb_object_type(raw) != GIT_OBJECT_TREE) return std::nullopt;
      if (git_odb_object_size(raw) >= TreeScanMemo::kLargeTree) {
        const auto scanned = memo.scan(known, std::move(object), current);
        if (!scanned) return std::nullopt;
        found = lookup_in_scanned_tree(scanned->scan, name);
      } else {
        found = find_in_raw_tree(static_cast<const char*>(git_odb_object_data(raw)), git_odb_object_size(raw), name);
      }
    }
    if (found.result == RawTreeLookup::Unusual) return std::nullopt;
    if (found.result == RawTreeLookup::NotFound) return std::optional<TreeEntry>();
    Oid id;
    id.bytes = found.id;
    if (slash == std::string::npos) {
      const ObjectType type = found.mode == 040000    ? ObjectType::Tree
                              : found.mode == 0160000 ? ObjectType::Commit
                                                      : ObjectType::Blob;
      return std::optional<TreeEntry>(TreeEntry{std::string(name), id, type, found.mode});
    }
    if (found.mode != 040000) return std::optional<TreeEntry>();  // libgit2: not found either
    current = id;
    start = slash + 1;
  }
}

}  // namespace

std::optional<TreeEntry> Repository::tree_entry(const Oid& tree_oid, const std::string& path) const {
  if (auto answer = raw_tree_entry(repo_, *scan_memo_, tree_oid, path)) return *answer;
  git_oid g = to_git(tree_oid);
  TreeH tree;
  check(git_tree_lookup(tree.out(), repo_, &g), "cannot read tree " + tree_oid.hex());
  TreeEntryH e;
  int rc = git_tree_entry_bypath(e.out(), tree.get(), path.c_str());
  if (rc == GIT_ENOTFOUND) return std::nullopt;
  check(rc, "cannot read " + path);
  const char* base = std::strrchr(path.c_str(), '/');
  return TreeEntry{base ? base + 1 : path, from_git(git_tree_entry_id(e.get())),
                   type_of(git_tree_entry_type(e.get())),
                   static_cast<std::uint32_t>(git_tree_entry_filemode(e.get()))};
}

CommitInfo Repository::read_commit(const Oid& oid) const {
  git_oid g = to_git(oid);
  CommitH c;
  check(git_commit_lookup(c.out(), repo_, &g), "cannot read commit " + oid.hex());
  CommitInfo info;
  info.oid = oid;
  info.tree = from_git(git_commit_tree_id(c.get()));
  for (unsigned i = 0; i < git_commit_parentcount(c.get()); ++i)
    info.parents.push_back(from_git(git_commit_parent_id(c.get(), i)));
  const char* msg = git_commit_message_raw(c.get());
  info.message = msg ? msg : "";
  info.author = from_git(git_commit_author(c.get()));
  info.committer = from_git(git_commit_committer(c.get()));
  return info;
}

bool Repository::object_exists(const Oid& oid) const {
  OdbH odb;
  check(git_repository_odb(odb.out(), repo_), "cannot open object database");
  git_oid g = to_git(oid);
  return git_odb_exists(odb.get(), &g) == 1;
}

Oid Repository::write_blob(const std::string& data) {
  git_oid out;
  check(writing_object([&] { return git_blob_create_from_buffer(&out, repo_, data.data(), data.size()); }),
        "cannot write blob");
  return from_git(&out);
}

Oid Repository::update_tree(const std::optional<Oid>& base, const std::vector<TreeUpdate>& updates) {
  TreeH base_tree;
  if (base) {
    git_oid g = to_git(*base);
    check(git_tree_lookup(base_tree.out(), repo_, &g), "cannot read tree " + base->hex());
  }
  std::vector<git_tree_update> ups;
  ups.reserve(updates.size());
  for (const auto& u : updates) {
    git_tree_update gu;
    std::memset(&gu, 0, sizeof gu);
    gu.path = u.path.c_str();
    if (u.blob) {
      gu.action = GIT_TREE_UPDATE_UPSERT;
      gu.id = to_git(*u.blob);
      gu.filemode = GIT_FILEMODE_BLOB;
    } else {
      gu.action = GIT_TREE_UPDATE_REMOVE;
    }
    ups.push_back(gu);
  }
  git_oid out;
  if (!base) {
    // A first commit: git_tree_create_updated needs a base, so build the tree directly.
    Handle<git_treebuilder, git_treebuilder_free> tb;
    check(git_treebuilder_new(tb.out(), repo_, nullptr), "cannot build tree");
    for (const auto& u : updates) {
      if (!u.blob || u.path.find('/') != std::string::npos)
        throw Error(ErrorCode::INTERNAL_ERROR, "a first commit may only add top-level files");
      git_oid id = to_git(*u.blob);
      check(git_treebuilder_insert(nullptr, tb.get(), u.path.c_str(), &id, GIT_FILEMODE_BLOB), "cannot build tree");
    }
    check(writing_object([&] { return git_treebuilder_write(&out, tb.get()); }), "cannot write tree");
    return from_git(&out);
  }
  check(writing_object([&] { return git_tree_create_updated(&out, repo_, base_tree.get(), ups.size(), ups.data()); }),
        "cannot write tree");
  return from_git(&out);
}

Oid Repository::write_commit(const Oid& tree, const std::vector<Oid>& parents,
                             const Signature& author, const Signature& committer,
                             const std::string& message, const CommitSigner& sign) {
  SigH a, c;
  make_sig(a, author);
  make_sig(c, committer);
  git_oid t = to_git(tree);
  TreeH tree_h;
  check(git_tree_lookup(tree_h.out(), repo_, &t), "cannot read tree");
  std::vector<std::unique_ptr<CommitH>> parent_handles;
  std::vector<const git_commit*> parent_ptrs;
  for (const auto& p : parents) {
    auto h = std::make_unique<CommitH>();
    git_oid g = to_git(p);
    check(git_commit_lookup(h->out(), repo_, &g), "cannot read commit " + p.hex());
    parent_ptrs.push_back(h->get());
    parent_handles.push_back(std::move(h));
  }
  git_oid out;
  if (!sign) {
    check(writing_object([&] {
            return git_commit_create(&out, repo_, nullptr, a.get(), c.get(), "UTF-8", message.c_str(), tree_h.get(),
                                     parent_ptrs.size(), parent_ptrs.data());
          }),
          "cannot write commit");
    return from_git(&out);
  }
  // A signed commit: the signature covers the commit's bytes without it.
  git_buf buffer = GIT_BUF_INIT;
  check(git_commit_create_buffer(&buffer, repo_, a.get(), c.get(), "UTF-8", message.c_str(), tree_h.get(),
                                 parent_ptrs.size(), parent_ptrs.data()),
        "cannot write commit");
  const std::string content(buffer.ptr, buffer.size);
  git_buf_dispose(&buffer);
  std::string signature = sign(content);
  // libgit2 indents every line break of the header; a trailing one would leave a stray line.
  while (!signature.empty() && (signature.back() == '\n' || signature.back() == '\r')) signature.pop_back();
  check(writing_object([&] {
          return git_commit_create_with_signature(&out, repo_, content.c_str(), signature.c_str(), nullptr);
        }),
        "cannot write signed commit");
  return from_git(&out);
}

bool Repository::create_tag(const std::string& name, const Oid& target, const Signature& tagger,
                            const std::string& message) {
  SigH s;
  make_sig(s, tagger);
  git_oid t = to_git(target);
  ObjectH obj;
  check(git_object_lookup(obj.out(), repo_, &t, GIT_OBJECT_ANY), "cannot read " + target.hex());
  git_oid out;
  int rc = writing_object([&] { return git_tag_create(&out, repo_, name.c_str(), obj.get(), s.get(), message.c_str(), 0); });
  if (rc == GIT_EEXISTS) return false;
  check(rc, "cannot create tag " + name);
  return true;
}

std::string Repository::tag_object_text(const std::string& name, const Oid& target, const Signature& tagger,
                                        const std::string& message) const {
  SigH s;
  make_sig(s, tagger);  // trims the name and email as git_tag_create does
  git_oid t = to_git(target);
  ObjectH obj;
  check(git_object_lookup(obj.out(), repo_, &t, GIT_OBJECT_ANY), "cannot read " + target.hex());
  const git_signature* sig = s.get();
  int offset = sig->when.offset;
  const char sign = offset < 0 || sig->when.sign == '-' ? '-' : '+';
  if (offset < 0) offset = -offset;
  char zone[8];
  std::snprintf(zone, sizeof zone, "%c%02d%02d", sign, offset / 60 % 100, offset % 60);
  return "object " + target.hex() + "\ntype " + git_object_type2string(git_object_type(obj.get())) + "\ntag " + name +
         "\ntagger " + sig->name + " <" + sig->email + "> " + std::to_string(static_cast<unsigned>(sig->when.time)) +
         " " + zone + "\n\n" + message;
}

bool Repository::create_tag_from_text(const std::string& name, const std::string& text) {
  if (text.find('\0') != std::string::npos) throw Error(ErrorCode::INTERNAL_ERROR, "the tag " + name + " holds a NUL byte");
  git_oid out;
  int rc = writing_object([&] { return git_tag_create_from_buffer(&out, repo_, text.c_str(), 0); });
  if (rc == GIT_EEXISTS) return false;
  check(rc, "cannot create tag " + name);
  return true;
}

std::vector<std::string> Repository::tag_names(const std::string& pattern) const {
  git_strarray arr{nullptr, 0};
  check(git_tag_list_match(&arr, pattern.c_str(), repo_), "cannot list tags");
  std::vector<std::string> out(arr.strings, arr.strings + arr.count);
  git_strarray_dispose(&arr);
  return out;
}

bool Repository::tag_exists(const std::string& name) const {
  RefH ref;
  return git_reference_lookup(ref.out(), repo_, ("refs/tags/" + name).c_str()) == 0;
}

std::vector<Oid> Repository::walk(const Oid& from, const std::optional<Oid>& hide) const {
  Handle<git_revwalk, git_revwalk_free> w;
  check(git_revwalk_new(w.out(), repo_), "cannot walk history");
  git_revwalk_sorting(w.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
  git_oid f = to_git(from);
  check(git_revwalk_push(w.get(), &f), "cannot walk from " + from.hex());
  if (hide) {
    git_oid h = to_git(*hide);
    check(git_revwalk_hide(w.get(), &h), "cannot walk history");
  }
  std::vector<Oid> out;
  git_oid id;
  int rc;
  while ((rc = git_revwalk_next(&id, w.get())) == 0) out.push_back(from_git(&id));
  if (rc != GIT_ITEROVER) {
    require_full_history();  // a walk that ends at a missing parent: a shallow clone
    check(rc, "cannot walk history");
  }
  return out;
}

bool Repository::is_ancestor(const Oid& ancestor, const Oid& descendant) const {
  if (ancestor == descendant) return true;
  git_oid a = to_git(ancestor), d = to_git(descendant);
  return git_graph_descendant_of(repo_, &d, &a) == 1;
}

std::optional<Oid> Repository::merge_base(const Oid& a, const Oid& b) const {
  git_oid out, ga = to_git(a), gb = to_git(b);
  if (git_merge_base(&out, repo_, &ga, &gb) < 0) {
    git_error_clear();
    return std::nullopt;
  }
  return from_git(&out);
}

void Repository::set_config_string(const std::string& key, const std::string& value) {
  ConfigH cfg;
  check(git_repository_config(cfg.out(), repo_), "cannot open the repository's configuration");
  check(git_config_set_string(cfg.get(), key.c_str(), value.c_str()), "cannot set " + key);
}

std::optional<std::string> Repository::config_string(const std::string& key) const {
  ConfigH cfg;
  if (git_repository_config_snapshot(cfg.out(), repo_) < 0) return std::nullopt;
  const char* value = nullptr;
  if (git_config_get_string(&value, cfg.get(), key.c_str()) < 0 || !value) return std::nullopt;
  return std::string(value);
}

std::optional<bool> Repository::config_bool(const std::string& key) const {
  ConfigH cfg;
  if (git_repository_config_snapshot(cfg.out(), repo_) < 0) return std::nullopt;
  int value = 0;
  const int rc = git_config_get_bool(&value, cfg.get(), key.c_str());
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    return std::nullopt;
  }
  if (rc < 0) {
    git_error_clear();
    throw Error(ErrorCode::INVALID_PARAMETER_VALUE,
                "git config " + key + ": '" + config_string(key).value_or("") + "' is not a boolean (true or false)");
  }
  return value != 0;
}

namespace {

// A config key as libgit2 names its entries: section and variable in lower case, the
// subsection as it is.
std::string normalized_key(std::string key) {
  const auto first = key.find('.'), last = key.rfind('.');
  for (std::size_t i = 0; i < key.size(); ++i)
    if (i < first || i > last) key[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[i])));
  return key;
}

}  // namespace

std::optional<std::pair<std::string, std::string>> Repository::config_last_of(const std::vector<std::string>& keys) const {
  ConfigH cfg;
  if (git_repository_config_snapshot(cfg.out(), repo_) < 0) return std::nullopt;
  std::map<std::string, std::string> wanted;  // normalized -> as given
  for (const auto& k : keys) wanted[normalized_key(k)] = k;
  // libgit2 iterates from the configuration read first (system) to the one read last, each in
  // file order: the last entry seen is the one git keeps.
  git_config_iterator* it = nullptr;
  if (git_config_iterator_new(&it, cfg.get()) < 0) return std::nullopt;
  std::optional<std::pair<std::string, std::string>> found;
  git_config_entry* entry = nullptr;
  while (git_config_next(&entry, it) == 0) {
    const auto w = wanted.find(entry->name);
    if (w != wanted.end() && entry->value) found = std::make_pair(w->second, std::string(entry->value));
  }
  git_config_iterator_free(it);
  git_error_clear();
  return found;
}

std::vector<std::string> Repository::dirty_paths(const std::vector<std::string>& paths) const {
  if (is_bare() || paths.empty()) return {};
  std::vector<std::string> specs = paths;
  std::vector<char*> ptrs;
  for (auto& s : specs) ptrs.push_back(s.data());
  git_status_options opts = GIT_STATUS_OPTIONS_INIT;
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
  opts.pathspec.strings = ptrs.data();
  opts.pathspec.count = ptrs.size();
  StatusH list;
  check(git_status_list_new(list.out(), repo_, &opts), "cannot read the work tree's status");
  std::vector<std::string> out;
  for (size_t i = 0; i < git_status_list_entrycount(list.get()); ++i) {
    const git_status_entry* e = git_status_byindex(list.get(), i);
    if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED)) continue;
    const git_diff_delta* d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
    if (d) out.push_back(d->new_file.path ? d->new_file.path : d->old_file.path);
  }
  return out;
}

namespace {

void write_file(const fs::path& path, const std::string& data, bool executable) {
  fs::create_directories(path.parent_path());
  fs::path tmp = path;
  tmp += ".mreg-tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!f) throw Error(ErrorCode::INTERNAL_ERROR, "cannot write " + path.string());
  }
  if (executable) ::chmod(tmp.c_str(), 0755);
  fs::rename(tmp, path);
}

void remove_empty_parents(fs::path dir, const fs::path& root) {
  std::error_code ec;
  while (!dir.empty() && dir != root && fs::is_directory(dir, ec) && fs::is_empty(dir, ec)) {
    fs::remove(dir, ec);
    dir = dir.parent_path();
  }
}

}  // namespace

namespace {

// The index as the caller, who holds <git dir>/index.lock, changes it: read from a copy at
// <git dir>/mreg-index, set as the repository's so that libgit2 writes it there (under its
// own lock, mreg-index.lock, never index.lock), and renamed over the index by commit(): a
// reader sees the old index or the new one, and a writer killed on the way leaves only
// files of its own.
class IndexCopy {
 public:
  IndexCopy(git_repository* repo, const std::string& git_dir)
      : repo_(repo), index_path_(git_dir + "index"), copy_path_(git_dir + "mreg-index") {
    std::error_code ec;
    fs::remove(copy_path_ + ".lock", ec);
    if (fs::exists(index_path_, ec)) {
      if (!fs::copy_file(index_path_, copy_path_, fs::copy_options::overwrite_existing, ec) || ec)
        throw Error(ErrorCode::INTERNAL_ERROR, "cannot copy the index: " + ec.message());
    } else {
      fs::remove(copy_path_, ec);
    }
    check(git_index_open(index_.out(), copy_path_.c_str()), "cannot read the index");
    check(git_repository_set_index(repo_, index_.get()), "cannot read the index");
  }
  ~IndexCopy() {
    git_repository_set_index(repo_, nullptr);  // the repository reads its own index again
    std::error_code ec;
    fs::remove(copy_path_, ec);
  }
  IndexCopy(const IndexCopy&) = delete;
  IndexCopy& operator=(const IndexCopy&) = delete;

  git_index* get() { return index_.get(); }
  void commit() {
    check(git_index_write(index_.get()), "cannot write the index");
    if (::rename(copy_path_.c_str(), index_path_.c_str()) != 0)
      throw Error(ErrorCode::INTERNAL_ERROR, "cannot write the index: " + std::string(std::strerror(errno)));
  }

 private:
  git_repository* repo_;
  std::string index_path_, copy_path_;
  IndexH index_;
};

}  // namespace

void Repository::sync_paths(const Oid& tree_oid, const std::vector<std::string>& paths) {
  if (is_bare()) return;
  IndexCopy index(repo_, git_dir());
  const fs::path root = work_dir();

  // Writes every blob below `entry` to the work tree and the index.
  std::function<void(const std::string&, const TreeEntry&)> put = [&](const std::string& path,
                                                                     const TreeEntry& entry) {
    if (entry.type == ObjectType::Tree) {
      for (const auto& child : read_tree(entry.oid)) put(path + "/" + child.name, child);
      return;
    }
    if (entry.type != ObjectType::Blob) return;
    write_file(root / path, read_blob(entry.oid), entry.mode == GIT_FILEMODE_BLOB_EXECUTABLE);
    check(git_index_add_bypath(index.get(), path.c_str()), "cannot update the index for " + path);
  };

  for (const auto& path : paths) {
    // Clear what was there (a folder may have lost files), then write what the tree has.
    auto entry = tree_entry(tree_oid, path);
    std::error_code ec;
    fs::path full = root / path;
    if (!entry || entry->type == ObjectType::Tree) {
      git_index_remove_directory(index.get(), path.c_str(), 0);
      if (fs::is_directory(full, ec)) fs::remove_all(full, ec);
    }
    if (!entry) {
      git_index_remove_bypath(index.get(), path.c_str());
      if (fs::exists(fs::symlink_status(full, ec))) fs::remove(full, ec);
      remove_empty_parents(full.parent_path(), root);
      continue;
    }
    put(path, *entry);
  }
  index.commit();
}

std::vector<std::string> Repository::catch_up_paths(const std::optional<Oid>& old_tree, const Oid& new_tree,
                                                    const std::vector<std::string>& paths) {
  if (is_bare()) return {};
  // Every file at or below the paths, in either tree.
  std::set<std::string> files;
  std::function<void(const std::string&, const TreeEntry&)> collect = [&](const std::string& path,
                                                                          const TreeEntry& e) {
    if (e.type == ObjectType::Blob) files.insert(path);
    if (e.type == ObjectType::Tree)
      for (const auto& child : read_tree(e.oid)) collect(path + "/" + child.name, child);
  };
  for (const auto& path : paths) {
    if (old_tree)
      if (auto e = tree_entry(*old_tree, path)) collect(path, *e);
    if (auto e = tree_entry(new_tree, path)) collect(path, *e);
  }
  auto blob_at = [&](const std::optional<Oid>& tree, const std::string& path) -> std::optional<TreeEntry> {
    if (!tree) return std::nullopt;
    auto e = tree_entry(*tree, path);
    if (!e || e->type != ObjectType::Blob) return std::nullopt;
    return e;
  };

  IndexCopy index(repo_, git_dir());
  const fs::path root = work_dir();
  std::vector<std::string> left;
  bool changed = false;
  for (const auto& path : files) {
    const fs::path full = root / path;
    std::error_code ec;
    fs::path tmp = full;
    tmp += ".mreg-tmp";  // a file write_file did not get to rename
    fs::remove(tmp, ec);
    const auto before = blob_at(old_tree, path), after = blob_at(new_tree, path);
    const std::optional<Oid> old_id = before ? std::optional<Oid>(before->oid) : std::nullopt;
    const std::optional<Oid> new_id = after ? std::optional<Oid>(after->oid) : std::nullopt;
    // What the index and the work tree hold now (nullopt: nothing; a folder or link: neither commit's).
    const git_index_entry* ie = git_index_get_bypath(index.get(), path.c_str(), 0);
    const std::optional<Oid> in_index = ie ? std::optional<Oid>(from_git(&ie->id)) : std::nullopt;
    std::optional<Oid> in_work_tree;
    bool work_tree_known = true;
    const auto st = fs::symlink_status(full, ec);
    if (st.type() == fs::file_type::regular) {
      git_oid g;
      check(git_repository_hashfile(&g, repo_, path.c_str(), GIT_OBJECT_BLOB, nullptr), "cannot read " + path);
      in_work_tree = from_git(&g);
    } else if (st.type() != fs::file_type::not_found) {
      work_tree_known = false;
    }
    auto one_of_both = [&](const std::optional<Oid>& id) { return id == old_id || id == new_id; };
    if (!work_tree_known || !one_of_both(in_work_tree) || !one_of_both(in_index)) {
      left.push_back(path);  // changed by hand since: not ours to overwrite
      continue;
    }
    if (in_work_tree == new_id && in_index == new_id) continue;
    changed = true;
    if (after) {
      if (in_work_tree != new_id) write_file(full, read_blob(after->oid), after->mode == GIT_FILEMODE_BLOB_EXECUTABLE);
      check(git_index_add_bypath(index.get(), path.c_str()), "cannot update the index for " + path);
    } else {
      if (in_work_tree) fs::remove(full, ec);
      remove_empty_parents(full.parent_path(), root);
      git_index_remove_bypath(index.get(), path.c_str());
    }
  }
  if (changed) index.commit();
  return left;
}

void Repository::set_ref(const std::string& refname, const Oid& target, const std::string& log_message) {
  git_oid t = to_git(target);
  RefH ref;
  check(git_reference_create(ref.out(), repo_, refname.c_str(), &t, 1, log_message.c_str()), "cannot update " + refname);
}

void Repository::set_head(const std::string& refname) {
  check(git_repository_set_head(repo_, refname.c_str()), "cannot point HEAD at " + refname);
}

std::vector<std::string> Repository::changed_paths(const std::optional<Oid>& from, const Oid& to) const {
  TreeH a, b;
  if (from) {
    git_oid g = to_git(*from);
    check(git_tree_lookup(a.out(), repo_, &g), "cannot read tree " + from->hex());
  }
  git_oid g = to_git(to);
  check(git_tree_lookup(b.out(), repo_, &g), "cannot read tree " + to.hex());
  Handle<git_diff, git_diff_free> diff;
  check(git_diff_tree_to_tree(diff.out(), repo_, a.get(), b.get(), nullptr), "cannot compare trees");
  std::vector<std::string> out;
  for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    out.push_back(d->new_file.path ? d->new_file.path : d->old_file.path);
  }
  return out;
}

namespace {

// Where the password of url's user part is: [first, second) after "user:"; nullopt when it has none.
std::optional<std::pair<size_t, size_t>> password_span(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  const auto host_start = scheme + 3;
  const auto at = url.find('@', host_start);
  const auto slash = url.find('/', host_start);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return std::nullopt;
  const auto colon = url.find(':', host_start);
  if (colon == std::string::npos || colon > at) return std::nullopt;  // a user name alone is no secret
  return std::make_pair(colon + 1, at);
}

}  // namespace

std::string redact_url(const std::string& url) {
  const auto span = password_span(url);
  if (!span) return url;
  return url.substr(0, span->first) + "***" + url.substr(span->second);
}

std::string strip_password(const std::string& url, std::string* password) {
  const auto span = password_span(url);
  if (!span) return url;
  if (password) *password = percent_decode(url.substr(span->first, span->second - span->first));
  return url.substr(0, span->first - 1) + url.substr(span->second);
}

namespace {

// What the callbacks of one fetch or push remember.
struct RemoteSession {
  const Credentials* credentials = nullptr;
  bool agent_tried = false, key_tried = false, token_tried = false;
  std::string auth_failure;  // why no (more) credentials could be offered
  std::vector<PushRejection> rejected;
};

int offer_credentials(git_credential** out, const char* /*url*/, const char* url_user, unsigned int allowed,
                      void* payload) {
  auto& s = *static_cast<RemoteSession*>(payload);
  const Credentials& c = *s.credentials;
  const std::string user = url_user && *url_user ? url_user : (c.username.empty() ? "git" : c.username);
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    if (!s.agent_tried) {
      s.agent_tried = true;
      const char* sock = std::getenv("SSH_AUTH_SOCK");
      if (sock && *sock) return git_credential_ssh_key_from_agent(out, user.c_str());
    }
    if (!s.key_tried && !c.ssh_key.empty()) {
      s.key_tried = true;
      const std::string pub = c.ssh_key + ".pub";
      std::error_code ec;
      return git_credential_ssh_key_new(out, user.c_str(), fs::exists(pub, ec) ? pub.c_str() : nullptr,
                                        c.ssh_key.c_str(), c.ssh_passphrase.empty() ? nullptr : c.ssh_passphrase.c_str());
    }
    s.auth_failure = c.ssh_key.empty() ? "the server took no key from ssh-agent, and no key file is set"
                                       : "the server took no key from ssh-agent or the key file";
    return GIT_EAUTH;
  }
  if (allowed & GIT_CREDENTIAL_USERNAME) return git_credential_username_new(out, user.c_str());
  if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
    if (!s.token_tried && !c.token.empty()) {
      s.token_tried = true;
      return git_credential_userpass_plaintext_new(out, user.c_str(), c.token.c_str());
    }
    s.auth_failure = c.token.empty() ? "the server asks for credentials and no token is set"
                                     : "the server refused the token";
    return GIT_EAUTH;
  }
  s.auth_failure = "the server asks for a kind of credentials mreg does not offer";
  return GIT_EAUTH;
}

int note_rejection(const char* refname, const char* status, void* payload) {
  if (status) static_cast<RemoteSession*>(payload)->rejected.push_back({refname, status});
  return 0;
}

git_remote_callbacks callbacks_for(RemoteSession& session) {
  git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
  cb.credentials = offer_credentials;
  cb.push_update_reference = note_rejection;
  cb.payload = &session;
  return cb;
}

// Throws for a failed network step: authentication failures are PERMISSION_DENIED,
// everything else (no route, no such repository on the server) INTERNAL_ERROR.
void check_remote(int rc, const RemoteSession& s, const std::string& what) {
  if (rc >= 0) return;
  if (!s.auth_failure.empty() || rc == GIT_EAUTH)
    throw Error(ErrorCode::PERMISSION_DENIED,
                what + ": authentication failed" + (s.auth_failure.empty() ? "" : ": " + s.auth_failure));
  // libgit2 checks an ssh server's host key against ~/.ssh/known_hosts, and an https
  // server's certificate against the system's CAs: a server it cannot trust is refused.
  if (rc == GIT_ECERTIFICATE)
    throw Error(ErrorCode::PERMISSION_DENIED,
                what + ": the server's identity is not trusted: for ssh, its host key must be in "
                       "~/.ssh/known_hosts (e.g. from ssh-keyscan); for https, its certificate must verify");
  const git_error* e = git_error_last();
  throw Error(ErrorCode::INTERNAL_ERROR,
              what + ": " + (e && e->message ? e->message : "libgit2 error " + std::to_string(rc)));
}

// The folder of a remote that libgit2 reaches through its local transport
// (a path or file:// URL); nullopt for network URLs.
std::optional<std::string> local_path_of(const std::string& url) {
  if (url.rfind("file://", 0) == 0) return url.substr(7);
  if (url.find("://") != std::string::npos) return std::nullopt;
  std::error_code ec;
  if (fs::is_directory(url, ec)) return url;
  return std::nullopt;
}

struct StrArray {
  std::vector<std::string> items;
  std::vector<char*> ptrs;
  git_strarray arr{};
  explicit StrArray(std::vector<std::string> v) : items(std::move(v)) {
    for (auto& i : items) ptrs.push_back(i.data());
    arr.strings = ptrs.data();
    arr.count = ptrs.size();
  }
};

}  // namespace

std::optional<std::string> Repository::remote_url(const std::string& remote) const {
  RemoteH r;
  int rc = git_remote_lookup(r.out(), repo_, remote.c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
    git_error_clear();
    return std::nullopt;
  }
  check(rc, "cannot read remote " + remote);
  const char* url = git_remote_url(r.get());
  return std::string(url ? url : "");
}

void Repository::set_remote_url(const std::string& remote, const std::string& url) {
  if (!remote_url(remote)) {
    RemoteH r;
    check(git_remote_create(r.out(), repo_, remote.c_str(), url.c_str()), "cannot add remote " + redact_url(url));
    return;
  }
  check(git_remote_set_url(repo_, remote.c_str(), url.c_str()), "cannot set the URL of " + remote);
}

namespace {

void lookup_remote(RemoteH& r, git_repository* repo, const std::string& remote) {
  int rc = git_remote_lookup(r.out(), repo, remote.c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
    throw Error(ErrorCode::INVALID_PARAMETER_VALUE,
                "no remote named '" + remote + "' (add one with 'git remote add " + remote + " URL')");
  check(rc, "cannot read remote " + remote);
}

}  // namespace

Repository::Advertised Repository::fetch(const std::string& remote, const std::vector<std::string>& refspecs,
                              const Credentials& credentials, bool all_tags, bool prune) {
  RemoteH r;
  lookup_remote(r, repo_, remote);
  const std::string url = git_remote_url(r.get());
  const std::string what = "cannot fetch from " + redact_url(url);
  // Neither a URL nor user@host:path, and no such folder: say so rather than libgit2's "unsupported protocol".
  const auto colon = url.find(':');
  if (url.find("://") == std::string::npos && (colon == std::string::npos || url.find('/') < colon) &&
      !local_path_of(url))
    throw Error(ErrorCode::INVALID_PARAMETER_VALUE, what + ": no such folder");
  RemoteSession session;
  session.credentials = &credentials;
  git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
  fo.callbacks = callbacks_for(session);
  fo.update_fetchhead = 0;  // concurrent writers would fight over FETCH_HEAD
  fo.download_tags = all_tags ? GIT_REMOTE_DOWNLOAD_TAGS_ALL : GIT_REMOTE_DOWNLOAD_TAGS_AUTO;
  fo.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE;
  check_remote(git_remote_connect(r.get(), GIT_DIRECTION_FETCH, &fo.callbacks, &fo.proxy_opts, &fo.custom_headers),
               session, what);
  Advertised advertised;
  git_buf buf = GIT_BUF_INIT;
  if (git_remote_default_branch(&buf, r.get()) == 0) advertised.default_branch.assign(buf.ptr, buf.size);
  else git_error_clear();
  git_buf_dispose(&buf);
  const git_remote_head** heads = nullptr;
  size_t count = 0;
  check_remote(git_remote_ls(&heads, &count, r.get()), session, what);
  for (size_t i = 0; i < count; ++i) advertised.refs[heads[i]->name] = from_git(&heads[i]->oid);
  StrArray specs(refspecs);
  check_remote(git_remote_fetch(r.get(), &specs.arr, &fo, "mreg: fetch"), session, what);
  return advertised;
}

void Repository::fetch_mirror(const std::string& url, const Credentials& credentials) {
  RemoteH remote;
  const std::string what = "cannot fetch from " + redact_url(url);
  check(git_remote_create_anonymous(remote.out(), repo_, url.c_str()), what);
  RemoteSession session;
  session.credentials = &credentials;
  git_fetch_options fetch = GIT_FETCH_OPTIONS_INIT;
  fetch.callbacks = callbacks_for(session);
  fetch.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // the refspec has them all
  check_remote(git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &fetch.callbacks, nullptr, nullptr), session,
               what);
  git_buf head = GIT_BUF_INIT;
  const bool has_head = git_remote_default_branch(&head, remote.get()) == 0;
  const std::string head_ref = has_head ? std::string(head.ptr, head.size) : "";
  git_buf_dispose(&head);
  git_error_clear();
  char spec[] = "+refs/*:refs/*";
  char* specs[] = {spec};
  git_strarray refspecs{specs, 1};
  check_remote(git_remote_download(remote.get(), &refspecs, &fetch), session, what);
  check(git_remote_update_tips(remote.get(), &fetch.callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, "mreg mirror"),
        "cannot update refs from " + redact_url(url));
  check(git_remote_prune(remote.get(), &fetch.callbacks), "cannot prune refs from " + redact_url(url));
  git_remote_disconnect(remote.get());
  if (!head_ref.empty()) check(git_repository_set_head(repo_, head_ref.c_str()), "cannot set HEAD to " + head_ref);
}

namespace {

// libgit2's local transport moves the remote's refs without compare-and-swap;
// a push into a folder is done here instead: objects first, then each ref
// only if it still points where it did.
std::vector<PushRejection> push_into_folder(git_repository* local, const std::string& path,
                                            const std::vector<RefPush>& updates) {
  RepoH remote;
  int rc = git_repository_open(remote.out(), path.c_str());
  if (rc == GIT_ENOTFOUND) throw Error(ErrorCode::INVALID_PARAMETER_VALUE, "not a git repository: " + path);
  check(rc, "cannot open " + path);
  if (!git_repository_is_bare(remote.get()))
    throw Error(ErrorCode::INVALID_PARAMETER_VALUE,
                "cannot push into " + path + ": it has a work tree (push into a bare repository)");

  Handle<git_revwalk, git_revwalk_free> walk;
  check(git_revwalk_new(walk.out(), local), "cannot walk history");
  Handle<git_packbuilder, git_packbuilder_free> pack;
  check(git_packbuilder_new(pack.out(), local), "cannot pack objects");
  for (const auto& u : updates) {
    git_oid t = to_git(u.target);
    ObjectH obj, commit;
    check(git_object_lookup(obj.out(), local, &t, GIT_OBJECT_ANY), "cannot read " + u.target.hex());
    if (git_object_type(obj.get()) == GIT_OBJECT_TAG) check(git_packbuilder_insert(pack.get(), &t, nullptr), "cannot pack a tag");
    check(git_object_peel(commit.out(), obj.get(), GIT_OBJECT_COMMIT), "cannot read " + u.target.hex());
    check(git_revwalk_push(walk.get(), git_object_id(commit.get())), "cannot walk history");
  }
  // What the remote has already is not sent again.
  OdbH odb;
  check(git_repository_odb(odb.out(), local), "cannot open object database");
  Handle<git_reference_iterator, git_reference_iterator_free> it;
  check(git_reference_iterator_new(it.out(), remote.get()), "cannot list the refs of " + path);
  git_reference* ref = nullptr;
  while (git_reference_next(&ref, it.get()) == 0) {
    ObjectH peeled;
    if (git_reference_type(ref) == GIT_REFERENCE_DIRECT &&
        git_reference_peel(peeled.out(), ref, GIT_OBJECT_COMMIT) == 0 &&
        git_odb_exists(odb.get(), git_object_id(peeled.get())) == 1)
      git_revwalk_hide(walk.get(), git_object_id(peeled.get()));
    git_reference_free(ref);
  }
  git_error_clear();
  check(git_packbuilder_insert_walk(pack.get(), walk.get()), "cannot pack objects");
  if (git_packbuilder_object_count(pack.get()) > 0) {
    const std::string pack_dir = std::string(git_repository_path(remote.get())) + "objects/pack";
    check(git_packbuilder_write(pack.get(), pack_dir.c_str(), 0, nullptr, nullptr), "cannot write objects into " + path);
  }

  std::vector<PushRejection> rejected;
  for (const auto& u : updates) {
    git_oid t = to_git(u.target);
    RefH out;
    if (u.expected) {
      git_oid e = to_git(*u.expected);
      rc = git_reference_create_matching(out.out(), remote.get(), u.dst.c_str(), &t, 1, &e, "mreg: push");
    } else {
      rc = git_reference_create(out.out(), remote.get(), u.dst.c_str(), &t, 0, "mreg: push");
    }
    if (rc == GIT_EMODIFIED) rejected.push_back({u.dst, "fetch first: the remote has moved"});
    else if (rc == GIT_EEXISTS) rejected.push_back({u.dst, "already exists"});
    else if (rc == GIT_ELOCKED) rejected.push_back({u.dst, "locked by another writer"});
    else if (rc < 0 && git_error_last() && std::strstr(git_error_last()->message, ".lock"))
      rejected.push_back({u.dst, "locked by another writer"});
    else check(rc, "cannot update " + u.dst + " in " + path);
    git_error_clear();
  }
  return rejected;
}

}  // namespace

std::vector<PushRejection> Repository::push(const std::string& remote, const std::vector<RefPush>& updates,
                                            const Credentials& credentials) {
  if (updates.empty()) return {};
  RemoteH r;
  lookup_remote(r, repo_, remote);
  const std::string url = git_remote_url(r.get());
  if (auto path = local_path_of(url)) return push_into_folder(repo_, *path, updates);

  // libgit2 pushes from refs, not object ids: one ref per object, named by it, so
  // that writers sharing this repository never move each other's.
  std::vector<std::string> refspecs, sources;
  for (const auto& u : updates) {
    sources.push_back("refs/mreg/push/" + u.target.hex());
    set_ref(sources.back(), u.target, "mreg: push");
    refspecs.push_back(sources.back() + ":" + u.dst);
  }
  StrArray specs(refspecs);
  RemoteSession session;
  session.credentials = &credentials;
  git_push_options po = GIT_PUSH_OPTIONS_INIT;
  po.callbacks = callbacks_for(session);
  int rc = git_remote_push(r.get(), &specs.arr, &po);
  const git_error* pushed_error = git_error_last();
  const std::string push_message = rc < 0 && pushed_error && pushed_error->message ? pushed_error->message : "";
  for (const auto& source : sources) {
    RefH ref;
    if (git_reference_lookup(ref.out(), repo_, source.c_str()) == 0) git_reference_delete(ref.get());
  }
  git_error_clear();
  if (rc < 0 && !push_message.empty()) git_error_set_str(GIT_ERROR_NET, push_message.c_str());
  if (rc == GIT_ENONFASTFORWARD) {
    // Found before sending: the remote's ref has commits this repository lacks.
    git_error_clear();
    std::vector<PushRejection> all;
    for (const auto& u : updates) all.push_back({u.dst, "fetch first: the remote has moved"});
    return all;
  }
  check_remote(rc, session, "cannot push to " + redact_url(url));
  return session.rejected;
}

}  // namespace mreg::git
