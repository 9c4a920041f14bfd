// An exclusive advisory lock on a file (flock), released when the holder
// exits, even on SIGKILL, so a crashed writer never leaves a stale lock.
#pragma once

#include <string>

namespace mreg {

class FileLock {
 public:
  // Waits for the lock; with wait = false, takes it only when it is free (see held()).
  explicit FileLock(const std::string& path, bool wait = true);
  ~FileLock();
  bool held() const { return fd_ >= 0; }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mreg
