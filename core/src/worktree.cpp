#include "worktree.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "file_lock.h"
#include "mreg/error.h"

namespace mreg {
namespace {

constexpr char kLockMagic[] = "mreg-index-lock";
constexpr char kPendingMagic[] = "mreg-pending 1";
// How long a write waits for an index.lock that git holds (git holds it for a moment).
constexpr auto kIndexLockWait = std::chrono::seconds(3);

std::string read_small_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  std::string data(4096, '\0');
  f.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(f.gcount()));
  return data;
}

// When the process started (field 22 of /proc/<pid>/stat): a pid and its start time name
// one process, even after the pid is used again. "" when there is no such process.
std::string start_time(pid_t pid) {
  const std::string stat = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream in(stat.substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 22 && in >> field; ++i)
    if (i == 22) return field;
  return {};
}

// The identity of this process, as lock files and the journal record it.
std::string self_identity() {
  static const std::string id = std::to_string(::getpid()) + " " + start_time(::getpid());
  return id;
}

// Is the process "<pid> <start time>" gone?
bool process_gone(const std::string& identity) {
  std::istringstream in(identity);
  long pid = 0;
  std::string start;
  if (!(in >> pid) || pid <= 0) return false;  // not a record of ours: never taken for dead
  in >> start;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return true;
  const std::string now = start_time(static_cast<pid_t>(pid));
  return !start.empty() && !now.empty() && now != start;  // the pid is another process's now
}

// The pid and start time in an index.lock that mreg made; "" for any other content.
std::string lock_owner(const std::string& content) {
  const std::string prefix = std::string(kLockMagic) + " ";
  if (content.compare(0, prefix.size(), prefix) != 0 || content.back() != '\n') return {};
  return content.substr(prefix.size(), content.size() - prefix.size() - 1);
}

// Removes index.lock when an mreg process that is gone left it. Only callers that hold
// mreg-write.lock come here, so no other mreg clears or takes it meanwhile, and git cannot
// take it while it exists.
bool clear_stale_index_lock(const std::string& path) {
  const std::string owner = lock_owner(read_small_file(path));
  if (owner.empty() || !process_gone(owner)) return false;
  return ::unlink(path.c_str()) == 0 || errno == ENOENT;
}

// Files of mreg's own that a killed process may leave in the git directory: the copy of the
// index being written (mreg-index, mreg-index.lock), the file an index.lock is linked from
// (mreg-index-lock.<pid>), a journal not yet renamed into place (mreg-pending.<pid>).
void remove_leftovers(const std::string& git_dir) {
  ::unlink((git_dir + "mreg-index").c_str());
  ::unlink((git_dir + "mreg-index.lock").c_str());
  DIR* dir = ::opendir(git_dir.c_str());
  if (!dir) return;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    for (const char* prefix : {"mreg-index-lock.", "mreg-pending."})
      if (name.compare(0, std::strlen(prefix), prefix) == 0) names.push_back(name);
  }
  ::closedir(dir);
  for (const auto& name : names) {
    const std::string pid = name.substr(name.rfind('.') + 1);
    if (pid.find_first_not_of("0123456789") == std::string::npos && !pid.empty() &&
        ::kill(static_cast<pid_t>(std::stol(pid)), 0) != 0 && errno == ESRCH)
      ::unlink((git_dir + name).c_str());
  }
}

void write_file_atomically(const std::string& path, const std::string& data) {
  const std::string tmp = path + "." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!f) throw Error(ErrorCode::INTERNAL_ERROR, "cannot write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    throw Error(ErrorCode::INTERNAL_ERROR, "cannot write " + path + ": " + std::strerror(errno));
}

std::string pending_path(const git::Repository& repo) { return repo.git_dir() + "mreg-pending"; }

struct Pending {
  std::string writer, branch;
  std::optional<git::Oid> from;
  git::Oid to;
  std::vector<std::string> paths;
};

void write_pending(const git::Repository& repo, const Pending& p) {
  std::string text = std::string(kPendingMagic) + "\nwriter " + self_identity() + "\nbranch " + p.branch +
                     "\nfrom " + (p.from ? p.from->hex() : "-") + "\nto " + p.to.hex() + "\n";
  for (const auto& path : p.paths) text += "path " + path + "\n";
  write_file_atomically(pending_path(repo), text);
}

// nullopt when there is none, or it does not read (a journal is written whole, by rename).
std::optional<Pending> read_pending(const git::Repository& repo) {
  std::ifstream f(pending_path(repo), std::ios::binary);
  if (!f) return std::nullopt;
  std::string line;
  if (!std::getline(f, line) || line != kPendingMagic) return std::nullopt;
  Pending p;
  bool has_to = false;
  try {
    while (std::getline(f, line)) {
      const auto space = line.find(' ');
      if (space == std::string::npos) return std::nullopt;
      const std::string key = line.substr(0, space), value = line.substr(space + 1);
      if (key == "writer") p.writer = value;
      else if (key == "branch") p.branch = value;
      else if (key == "from" && value != "-") p.from = git::Oid::from_hex(value);
      else if (key == "to") p.to = git::Oid::from_hex(value), has_to = true;
      else if (key == "path") p.paths.push_back(value);
    }
  } catch (const Error&) {
    return std::nullopt;
  }
  if (!has_to || p.branch.empty()) return std::nullopt;
  return p;
}

void clear_pending(const git::Repository& repo) { ::unlink(pending_path(repo).c_str()); }

// The branch's lock file, when the journal's writer (gone: the caller holds the write lock)
// left it while it moved the branch: made after the journal, and empty or holding the
// journal's new commit, as libgit2 writes it before renaming it into place.
void clear_stale_ref_lock(const git::Repository& repo, const Pending& p) {
  const std::string lock = repo.git_dir() + p.branch + ".lock";
  struct stat journal, st;
  if (::stat(pending_path(repo).c_str(), &journal) != 0 || ::stat(lock.c_str(), &st) != 0) return;
  const auto ns = [](const struct timespec& t) { return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec; };
  if (ns(st.st_mtim) < ns(journal.st_mtim)) return;
  const std::string content = read_small_file(lock);
  if (content.empty() || content == p.to.hex() + "\n") ::unlink(lock.c_str());
}

}  // namespace

IndexLock::IndexLock(const std::string& git_dir)
    : path_(git_dir + "index.lock"), content_(std::string(kLockMagic) + " " + self_identity() + "\n") {
  // Linked into place whole, so that an index.lock of mreg's always says whose it is.
  const std::string tmp = git_dir + "mreg-index-lock." + std::to_string(::getpid());
  write_file_atomically(tmp, content_);
  const auto deadline = std::chrono::steady_clock::now() + kIndexLockWait;
  bool taken = false;
  while (!taken) {
    if (::link(tmp.c_str(), path_.c_str()) == 0) {
      taken = true;
    } else if (errno != EEXIST) {
      const std::string why = std::strerror(errno);
      ::unlink(tmp.c_str());
      throw Error(ErrorCode::INTERNAL_ERROR, "cannot create " + path_ + ": " + why);
    } else if (!clear_stale_index_lock(path_)) {
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ::unlink(tmp.c_str());
  if (!taken)
    throw Error(ErrorCode::RESOURCE_CONFLICT,
                path_ + " exists: another git process is using the index (if none is, remove the file); "
                        "nothing was written");
}

IndexLock::~IndexLock() {
  if (read_small_file(path_) == content_) ::unlink(path_.c_str());
}

git::Repository::RefUpdate move_branch(git::Repository& repo, const std::string& branch,
                                       const std::optional<git::Oid>& from, const git::Oid& to,
                                       const std::vector<std::string>& paths,
                                       const std::function<git::Repository::RefUpdate()>& move) {
  if (repo.is_bare()) return move();
  IndexLock index_lock(repo.git_dir());  // before the branch moves: a write that cannot take it writes nothing
  write_pending(repo, {"", branch, from, to, paths});
  const auto moved = move();  // on an error, the journal stays: the next command sees the branch did not move
  if (moved != git::Repository::RefUpdate::Updated) {
    clear_pending(repo);
    return moved;
  }
  try {
    repo.sync_paths(repo.read_commit(to).tree, paths);
    clear_pending(repo);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "mreg: warning: committed, but the index and work tree were not updated (%s); the next mreg "
                 "command updates them\n",
                 e.what());
  }
  return moved;
}

void recover_worktree(git::Repository& repo) {
  if (repo.is_bare()) return;
  const std::string git_dir = repo.git_dir();
  clear_stale_index_lock(git_dir + "index.lock");
  remove_leftovers(git_dir);
  const auto pending = read_pending(repo);
  if (!pending) {
    clear_pending(repo);  // none, or one that does not read (never written whole)
    return;
  }
  clear_stale_ref_lock(repo, *pending);
  // The branch moved to the journaled commit: its writer was killed before the index and
  // work tree caught up (or after, and this changes nothing). Any other tip: the write never
  // landed, or the branch was moved since by other means; nothing of it reached the work tree.
  if (repo.ref_target(pending->branch) == pending->to) {
    IndexLock index_lock(git_dir);
    const std::optional<git::Oid> from_tree =
        pending->from ? std::optional<git::Oid>(repo.read_commit(*pending->from).tree) : std::nullopt;
    for (const auto& path : repo.catch_up_paths(from_tree, repo.read_commit(pending->to).tree, pending->paths))
      std::fprintf(stderr,
                   "mreg: warning: %s was changed by hand after an interrupted write to the registry; left as it "
                   "is (commit %s has the registry's version)\n",
                   path.c_str(), pending->to.hex().substr(0, 12).c_str());
  }
  clear_pending(repo);
}

void recover_worktree_if_needed(git::Repository& repo) {
  if (repo.is_bare()) return;
  const std::string git_dir = repo.git_dir();
  if (::access((git_dir + "mreg-pending").c_str(), F_OK) != 0 && ::access((git_dir + "index.lock").c_str(), F_OK) != 0)
    return;
  try {
    FileLock lock(git_dir + "mreg-write.lock", false);
    if (lock.held()) recover_worktree(repo);
  } catch (const std::exception& e) {
    // A reader answers all the same; a writer tries again under its lock.
    std::fprintf(stderr, "mreg: warning: an interrupted write could not be finished (%s)\n", e.what());
  }
}

}  // namespace mreg
