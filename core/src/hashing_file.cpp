#include "hashing_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "mreg/error.h"

namespace mreg {
namespace {

// Big enough that a write is one system call per MiB, small enough to stay in cache.
constexpr std::size_t kBufferSize = 1 << 20;
// Full buffers that may wait for the hashing thread while the next one fills.
constexpr std::size_t kPipelineDepth = 4;
// The block copy_from copies at a time: the hasher reads each back while it is still in the
// last-level cache.
constexpr std::size_t kCopyBlock = 2 << 20;
// The block its hasher reads back at a time: small enough to stay in the core's L2 cache
// between the read and the hash, which then costs no trip to memory.
constexpr std::size_t kReadBackBlock = 256 << 10;

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw Error(ErrorCode::INTERNAL_ERROR, "cannot " + what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

HashingFile::HashingFile(const std::string& path, unsigned mode, DigestAlgorithm algorithm,
                         std::function<void(std::uint64_t)> written)
    : path_(path), hash_(algorithm), written_(std::move(written)) {
  // Open for reading too: copy_from reads the copied bytes back to hash them.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
  if (fd_ < 0) fail("create", path);
}

HashingFile::~HashingFile() {
  pipeline_.reset();  // its thread writes to fd_
  if (fd_ >= 0) ::close(fd_);
}

void HashingFile::write_all(const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write", path_);
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

void HashingFile::consume(const char* data, std::size_t n) {
  hash_.update(data, n);
  write_all(data, n);
  if (written_) written_(n);
}

void HashingFile::hand_off() {
  // Started on the first full buffer: a small file is hashed and written where it arrives.
  if (!pipeline_)
    pipeline_ = std::make_unique<BlockPipeline>(
        [this](const std::vector<char>& block) { consume(block.data(), block.size()); }, kPipelineDepth);
  std::vector<char> next = pipeline_->spare();
  bytes_ += buffer_.size();
  pipeline_->push(std::move(buffer_));
  buffer_ = std::move(next);
  buffer_.reserve(kBufferSize);
}

void HashingFile::flush() {
  if (!buffer_.empty()) {
    if (pipeline_) {
      hand_off();
    } else {
      consume(buffer_.data(), buffer_.size());
      bytes_ += buffer_.size();
      buffer_.clear();
    }
  }
  if (pipeline_) pipeline_->drain();
}

void HashingFile::write(const char* data, std::size_t n) {
  if (buffer_.capacity() < kBufferSize) buffer_.reserve(kBufferSize);
  while (n > 0) {
    const std::size_t take = std::min(n, kBufferSize - buffer_.size());
    buffer_.insert(buffer_.end(), data, data + take);
    data += take;
    n -= take;
    if (buffer_.size() == kBufferSize) hand_off();
  }
}

void HashingFile::copy_by_reading(int fd) {
  std::vector<char> block(kBufferSize);
  for (;;) {
    const ssize_t r = ::read(fd, block.data(), block.size());
    if (r < 0) {
      if (errno == EINTR) continue;
      fail("read the source of", path_);
    }
    if (r == 0) return;
    write(block.data(), static_cast<std::size_t>(r));
  }
}

void HashingFile::copy_from(int fd) {
  flush();
  const off_t start = static_cast<off_t>(bytes_);
  std::mutex m;
  std::condition_variable cv;
  std::uint64_t copied = bytes_;  // what copy_file_range has put into the file (guarded by m)
  bool copying = true;            // guarded by m
  int read_error = 0;             // guarded by m

  // The hasher reads back what was copied, one block behind the copy.
  std::thread hasher([&] {
    // Not zeroed: a fresh buffer's pages fault in as it is filled, once.
    const std::unique_ptr<char[]> block(new char[kReadBackBlock]);
    std::uint64_t hashed = static_cast<std::uint64_t>(start);
    for (;;) {
      std::uint64_t upto;
      {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return copied > hashed || !copying; });
        upto = copied;
        if (upto == hashed && !copying) return;
      }
      while (hashed < upto) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(upto - hashed, kReadBackBlock));
        const ssize_t r = ::pread(fd_, block.get(), want, static_cast<off_t>(hashed));
        if (r <= 0) {
          if (r < 0 && errno == EINTR) continue;
          std::lock_guard<std::mutex> lock(m);
          read_error = r < 0 ? errno : EIO;
          return;
        }
        hash_.update(block.get(), static_cast<std::size_t>(r));
        hashed += static_cast<std::uint64_t>(r);
      }
    }
  });
  int copy_errno = 0;
  bool fall_back = false;
  for (;;) {
    const ssize_t n = ::copy_file_range(fd, nullptr, fd_, nullptr, kCopyBlock, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (bytes_ == static_cast<std::uint64_t>(start) &&
          (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP || errno == EBADF))
        fall_back = true;
      else
        copy_errno = errno;
      break;
    }
    if (n == 0) break;
    bytes_ += static_cast<std::uint64_t>(n);
    if (written_) written_(static_cast<std::uint64_t>(n));
    std::lock_guard<std::mutex> lock(m);
    copied = bytes_;
    cv.notify_one();
  }
  {
    std::lock_guard<std::mutex> lock(m);
    copying = false;
    cv.notify_one();
  }
  hasher.join();
  if (copy_errno) {
    errno = copy_errno;
    fail("copy into", path_);
  }
  if (read_error) {
    errno = read_error;
    fail("read back", path_);
  }
  if (fall_back) copy_by_reading(fd);
}

std::string HashingFile::finish() {
  flush();
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("write", path_);
  }
  fd_ = -1;
  return hash_.hex();
}

}  // namespace mreg
