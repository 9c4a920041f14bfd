#include "download_dest.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "mreg/error.h"

namespace fs = std::filesystem;

namespace mreg {
namespace {

bool is_within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i)
    if (i == inner.end() || *i != *o) return false;
  return true;
}

}  // namespace

DownloadDest::DownloadDest(const std::string& dest, bool force) {
  if (dest.empty()) throw_invalid("DEST: empty path");
  fs::path p = fs::absolute(dest).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "dir/" -> "dir"
  path_ = p.string();
  if (p == p.root_path()) throw_invalid("DEST: refusing to download into " + path_);
  std::error_code ec;
  const auto st = fs::symlink_status(p, ec);
  if (!fs::exists(st)) return;
  if (fs::is_symlink(st)) throw_exists("DEST " + path_ + " is a symbolic link; name the folder itself");
  if (!fs::is_directory(st)) throw_exists("DEST " + path_ + " exists and is not a folder");
  if (fs::is_empty(p, ec)) return;
  if (!force) throw_exists("DEST " + path_ + " exists and is not empty");
  const fs::path cwd = fs::current_path(ec);
  if (!ec && is_within(cwd, p))
    throw_invalid("DEST " + path_ + ": refusing to replace the folder the download runs in (or one around it)");
  replace_ = true;
}

DownloadDest::~DownloadDest() {
  if (committed_) return;
  std::error_code ec;
  if (!temp_.empty()) fs::remove_all(temp_, ec);
  for (auto it = made_parents_.rbegin(); it != made_parents_.rend(); ++it) ::rmdir(it->c_str());
}

void DownloadDest::prepare() {
  const fs::path p(path_);
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path parent = p.parent_path(); !parent.empty() && !fs::exists(parent, ec); parent = parent.parent_path())
    missing.push_back(parent);
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0777) != 0 && errno != EEXIST)
      throw Error(ErrorCode::INTERNAL_ERROR, "cannot create " + it->string() + ": " + std::strerror(errno));
    made_parents_.push_back(it->string());
  }
  std::string pattern = (p.parent_path() / ("." + p.filename().string() + ".mreg-download-XXXXXX")).string();
  if (!::mkdtemp(pattern.data()))
    throw Error(ErrorCode::INTERNAL_ERROR, "cannot create a folder beside " + path_ + ": " + std::strerror(errno));
  // mkdtemp makes it 0700; the download gets the folder a mkdir would make.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::chmod(pattern.c_str(), 0777 & ~mask);
  temp_ = pattern;
}

void DownloadDest::commit() {
  if (!replace_) {
    // rename(2) replaces an empty folder and refuses one that is not (filled meanwhile).
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR)
        throw_exists("DEST " + path_ + " was filled while downloading; nothing was written to it");
      throw Error(ErrorCode::INTERNAL_ERROR, "cannot rename " + temp_ + " to " + path_ + ": " + std::strerror(errno));
    }
    committed_ = true;
    return;
  }
  // Swap the folders in one step, so that DEST is never missing; the old files end in temp_.
  if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, path_.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno != EINVAL && errno != ENOSYS)
      throw Error(ErrorCode::INTERNAL_ERROR, "cannot put " + temp_ + " in place of " + path_ + ": " + std::strerror(errno));
    // A file system without exchange: move the old folder aside first.
    const std::string aside = temp_ + ".old";
    const auto cannot = [&] {
      throw Error(ErrorCode::INTERNAL_ERROR, "cannot put " + temp_ + " in place of " + path_ + ": " + std::strerror(errno));
    };
    if (::rename(path_.c_str(), aside.c_str()) != 0) cannot();
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      const int e = errno;
      ::rename(aside.c_str(), path_.c_str());
      errno = e;
      cannot();
    }
    temp_ = aside;
  }
  committed_ = true;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

}  // namespace mreg
