#include "record_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace mreg {
namespace {

// A record: u32 payload size, key, payload, u64 checksum of key and payload.
constexpr std::size_t kFraming = 4 + 8;

}  // namespace

// Reads 8 bytes at a time: loading a cache checks every byte of it, and a
// byte-at-a-time hash took longer than the rest of the load.
std::uint64_t checksum(const char* data, std::size_t n) {
  constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;
  std::uint64_t h = 0x243f6a8885a308d3ull ^ (n * kMul);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 32;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, data + i, n - i);
  h = (h ^ tail) * kMul;
  return h ^ (h >> 29);
}

namespace {

bool read_all(int fd, std::string& out) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return true;
}

}  // namespace

RecordFile::RecordFile(std::string path, std::string magic, std::size_t key_size)
    : path_(std::move(path)), magic_(std::move(magic)), key_size_(key_size) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const bool ok = read_all(fd, data_);
  ::close(fd);
  if (!ok || data_.size() < magic_.size() || data_.compare(0, magic_.size(), magic_) != 0) {
    data_.clear();  // not ours, or from another version: start over
    data_.shrink_to_fit();
    return;
  }
  const std::size_t overhead = kFraming + key_size_;
  std::size_t pos = magic_.size();
  while (pos + overhead <= data_.size()) {
    std::uint32_t len = 0;
    std::memcpy(&len, data_.data() + pos, 4);
    if (len > data_.size() - pos - overhead) break;
    const char* key = data_.data() + pos + 4;
    std::uint64_t sum = 0;
    std::memcpy(&sum, key + key_size_ + len, 8);
    if (sum != checksum(key, key_size_ + len)) break;  // torn or corrupt: ignore the rest
    records_.emplace_back(std::string_view(key, key_size_), std::string_view(key + key_size_, len));
    pos += overhead + len;
  }
  valid_end_ = pos;
}

const std::string_view* RecordFile::find(std::string_view key) const {
  std::call_once(indexed_, [this] {
    index_.reserve(records_.size());
    for (const auto& [k, v] : records_) index_.emplace(k, v);
  });
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &it->second;
}

void RecordFile::add(std::string_view key, std::string_view payload) {
  if (key.size() != key_size_ || find(key) || !pending_keys_.emplace(key).second) return;
  const auto len = static_cast<std::uint32_t>(payload.size());
  const std::size_t start = pending_.size();
  pending_.append(reinterpret_cast<const char*>(&len), 4);
  pending_ += key;
  pending_ += payload;
  const std::uint64_t sum = checksum(pending_.data() + start + 4, pending_.size() - start - 4);
  pending_.append(reinterpret_cast<const char*>(&sum), 8);
}

void RecordFile::flush() {
  if (pending_.empty()) return;
  const std::string dir = path_.substr(0, path_.rfind('/'));
  ::mkdir(dir.c_str(), 0755);
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0 && ::flock(fd, LOCK_EX) == 0) {
    struct stat st;
    if (::fstat(fd, &st) == 0) {
      // Read the header again under the lock: another process may have made the file.
      std::string head(magic_.size(), '\0');
      const bool ours = st.st_size >= static_cast<off_t>(magic_.size()) &&
                        ::pread(fd, head.data(), head.size(), 0) == static_cast<ssize_t>(head.size()) &&
                        head == magic_;
      bool ok = true;
      if (!ours) {
        // Empty, or not a file of this format: start it again.
        ok = ::ftruncate(fd, 0) == 0;
      } else if (static_cast<std::size_t>(st.st_size) == data_.size() && valid_end_ < data_.size()) {
        // Nobody appended since it was read, and it ends in a torn record: cut that off.
        ok = ::ftruncate(fd, static_cast<off_t>(valid_end_)) == 0;
      }
      if (ok) {
        const std::string out = (ours ? std::string() : magic_) + pending_;
        ::lseek(fd, 0, SEEK_END);
        std::size_t done = 0;
        while (done < out.size()) {
          ssize_t n = ::write(fd, out.data() + done, out.size() - done);
          if (n <= 0) break;
          done += static_cast<std::size_t>(n);
        }
      }
    }
  }
  if (fd >= 0) ::close(fd);  // releases the lock
  pending_.clear();
  pending_.shrink_to_fit();
  // What was written stays known as written: add() does not queue it again.
}

}  // namespace mreg
