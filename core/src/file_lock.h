// An exclusive advisory lock on a file (flock), released when the holder
// exits, even on SIGKILL, so a crashed writer never leaves a stale lock.
#pragma once

#include <string>

namespace mreg {

class FileLock {
 public:
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mreg
