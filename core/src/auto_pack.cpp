#include "auto_pack.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>

namespace mreg {
namespace {

// A git configuration integer ("6700", "10k"); `fallback` when unset or unreadable.
long config_int(const git::Repository& repo, const std::string& key, long fallback) {
  const auto text = repo.config_string(key);
  if (!text || text->empty()) return fallback;
  char* end = nullptr;
  long n = std::strtol(text->c_str(), &end, 10);
  if (end == text->c_str()) return fallback;
  switch (std::tolower(static_cast<unsigned char>(*end))) {
    case 'k': n *= 1024; break;
    case 'm': n *= 1024 * 1024; break;
    case 'g': n *= 1024L * 1024 * 1024; break;
    default: break;
  }
  return n;
}

// Files in `dir` whose names `keep` accepts.
template <typename Keep>
long count_files(const std::string& dir, const Keep& keep) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  long n = 0;
  while (const dirent* e = ::readdir(d))
    if (keep(std::string(e->d_name))) ++n;
  ::closedir(d);
  return n;
}

bool is_loose_name(const std::string& name) {
  if (name.size() != 38) return false;
  for (char c : name)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

// Bytes of the loose objects of objects/00..0f, times 16: their ids are as good as random.
long long estimated_loose_bytes(const std::string& objects) {
  long long bytes = 0;
  for (int folder = 0; folder < 16; ++folder) {
    char name[4];
    std::snprintf(name, sizeof name, "%02x", folder);
    const std::string dir = objects + name + "/";
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    while (const dirent* e = ::readdir(d)) {
      struct stat st;
      if (is_loose_name(e->d_name) && ::stat((dir + e->d_name).c_str(), &st) == 0) bytes += st.st_size;
    }
    ::closedir(d);
  }
  return bytes * 16;
}

Packing packing_due(const git::Repository& repo) {
  const std::string objects = repo.common_dir() + "objects/";
  // As git's gc --auto: loose objects are spread evenly over 256 folders by their
  // ids, so one folder's count, times 256, tells how many there are.
  const long gc_auto = config_int(repo, "gc.auto", 6700);
  if (gc_auto <= 0) return Packing::None;
  const long per_folder = (gc_auto + 255) / 256;
  if (count_files(objects + "17", is_loose_name) > per_folder) return Packing::Auto;
  const long pack_limit = config_int(repo, "gc.autoPackLimit", 50);
  const std::string packs = objects + "pack/";
  long long pack_bytes = 0;
  const long unkept = count_files(packs, [&](const std::string& name) {
    if (name.size() < 6 || name.compare(name.size() - 5, 5, ".pack") != 0) return false;
    struct stat st;
    if (::stat((packs + name).c_str(), &st) == 0) pack_bytes += st.st_size;
    return ::access((packs + name.substr(0, name.size() - 5) + ".keep").c_str(), F_OK) != 0;
  });
  if (pack_limit > 0 && unkept > pack_limit) return Packing::Auto;
  // A write rewrites whole trees (models/, a model's versions/): loose objects of a large
  // registry are big, and fewer than gc.auto of them can outweigh the packed repository many
  // times. More loose bytes than packed ones (and over kLooseBytesFloor) make a whole `git
  // gc`, whose cost is then in proportion to what was written since the last one.
  if (estimated_loose_bytes(objects) > std::max(pack_bytes, kLooseBytesFloor)) return Packing::Full;
  return Packing::None;
}

void pack_in_background_if_needed(const git::Repository& repo) {
  Packing due = Packing::None;
  try {
    due = packing_due(repo);
  } catch (...) {
    return;
  }
  if (due == Packing::None) return;
  const std::string git_dir = repo.common_dir();
  const std::string lock_path = git_dir + "mreg-gc.lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // one that mreg started still runs
    ::close(fd);
    return;
  }
  // Twice forked, so that git outlives this process and is no child of it; the lock's open file
  // is handed down, so the lock is held until git ends. (Nothing is allocated after the fork.)
  const std::string git_dir_arg = "--git-dir=" + git_dir;
  const pid_t child = ::fork();
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::fcntl(fd, F_SETFD, 0);  // kept across exec: git holds the lock
    if (due == Packing::Auto)
      ::execlp("git", "git", git_dir_arg.c_str(), "-c", "gc.autoDetach=false", "gc", "--auto", "--quiet",
               static_cast<char*>(nullptr));
    else
      ::execlp("git", "git", git_dir_arg.c_str(), "gc", "--quiet", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fd);
  if (child > 0) ::waitpid(child, nullptr, 0);
}

}  // namespace mreg
