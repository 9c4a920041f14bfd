#include "file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mreg/error.h"

namespace mreg {

FileLock::FileLock(const std::string& path, bool wait) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(ErrorCode::INTERNAL_ERROR, "cannot open lock file " + path + ": " + std::strerror(errno));
  while (::flock(fd_, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
    if (!wait && errno == EWOULDBLOCK) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    if (errno != EINTR) {
      ::close(fd_);
      throw Error(ErrorCode::INTERNAL_ERROR, "cannot lock " + path + ": " + std::strerror(errno));
    }
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace mreg
