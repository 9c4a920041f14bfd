#include "record_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

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

void write_checked_file(const std::string& path, const std::string& magic, const std::string& body) {
  const std::uint64_t sum = checksum(body.data(), body.size());
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string temp = path + "." + std::to_string(::getpid()) + ".tmp";
  {
    std::ofstream f(temp, std::ios::binary | std::ios::trunc);
    if (!(f << magic && f.write(reinterpret_cast<const char*>(&sum), 8) && f << body)) return;
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) std::filesystem::remove(temp, ec);
}

std::optional<std::string> read_checked_file(const std::string& path, const std::string& magic) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < magic.size() + 8 || data.compare(0, magic.size(), magic) != 0) return std::nullopt;
  std::uint64_t sum;
  std::memcpy(&sum, data.data() + magic.size(), 8);
  data.erase(0, magic.size() + 8);
  if (sum != checksum(data.data(), data.size())) return std::nullopt;
  return data;
}

namespace {

// Into a buffer that is not zeroed first: zeroing a history index of 10 MB cost as much
// as checking its records.
bool read_all(int fd, std::unique_ptr<char[]>& out, std::size_t& size) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  out.reset(new char[static_cast<std::size_t>(st.st_size)]);
  std::size_t got = 0;
  while (got < static_cast<std::size_t>(st.st_size)) {
    ssize_t n = ::read(fd, out.get() + got, static_cast<std::size_t>(st.st_size) - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  size = got;
  return true;
}

// Reads [offset, offset + n) of the file into `out`; false when the file is shorter.
bool read_at(int fd, std::uint64_t offset, std::size_t n, char* out) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, out + got, n - got, static_cast<off_t>(offset + got));
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

RecordFile::RecordFile(std::string path, std::string magic, std::size_t key_size, Load load)
    : path_(std::move(path)), magic_(std::move(magic)), key_size_(key_size), load_(load) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  scan(fd);
  if (load_ == Load::Index && !locations_.empty()) fd_ = fd;  // kept to read payloads from
  else ::close(fd);
}

RecordFile::~RecordFile() {
  if (fd_ >= 0) ::close(fd_);
}

void RecordFile::scan(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return;
  std::size_t data_size = 0;
  if (load_ == Load::Whole && !read_all(fd, data_, data_size)) return;
  file_size_ = load_ == Load::Whole ? data_size : static_cast<std::uint64_t>(st.st_size);
  // [pos, pos + n) of the file, or null past its end: from memory (Whole), or through a
  // window that moves along the file (Index).
  constexpr std::size_t kWindow = 1 << 20;
  std::string window;
  std::uint64_t window_start = 0;
  auto bytes = [&](std::uint64_t pos, std::size_t n) -> const char* {
    if (pos + n > file_size_) return nullptr;
    if (load_ == Load::Whole) return data_.get() + pos;
    if (pos < window_start || pos + n > window_start + window.size()) {
      window.resize(std::max<std::size_t>(n, std::min<std::uint64_t>(kWindow, file_size_ - pos)));
      window_start = pos;
      if (!read_at(fd, pos, window.size(), window.data())) {
        window.clear();
        return nullptr;
      }
    }
    return window.data() + (pos - window_start);
  };
  const char* head = bytes(0, magic_.size());
  if (!head || std::string_view(head, magic_.size()) != magic_) {
    file_size_ = 0;  // not ours, or from another version: start over
    data_.reset();
    return;
  }
  const std::size_t overhead = kFraming + key_size_;
  std::uint64_t pos = magic_.size();
  for (const char* record; (record = bytes(pos, overhead));) {
    std::uint32_t len = 0;
    std::memcpy(&len, record, 4);
    if (len > file_size_ - pos - overhead || !(record = bytes(pos, overhead + len))) break;
    const char* key = record + 4;
    std::uint64_t sum = 0;
    std::memcpy(&sum, key + key_size_ + len, 8);
    if (sum != checksum(key, key_size_ + len)) break;  // torn or corrupt: ignore the rest
    if (load_ == Load::Whole)
      records_.emplace_back(std::string_view(key, key_size_), std::string_view(key + key_size_, len));
    else
      keys_.append(key, key_size_);
    locations_.push_back({pos, len});
    pos += overhead + len;
  }
  valid_end_ = pos;
}

const RecordFile::Location* RecordFile::locate(std::string_view key) const {
  std::call_once(indexed_, [this] {
    index_.reserve(locations_.size());
    for (std::size_t i = 0; i < locations_.size(); ++i)
      index_.emplace(load_ == Load::Whole ? records_[i].first : std::string_view(keys_).substr(i * key_size_, key_size_), i);
  });
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &locations_[it->second];
}

std::size_t RecordFile::KeyHash::operator()(std::string_view key) const {
  // The first and last 8 bytes: keys made of an id and a constant (or a constant and an
  // id) differ in one or the other.
  std::uint64_t first = 0, last = 0;
  std::memcpy(&first, key.data(), std::min<std::size_t>(8, key.size()));
  if (key.size() >= 8) std::memcpy(&last, key.data() + key.size() - 8, 8);
  return static_cast<std::size_t>((first ^ (last * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull);
}

bool RecordFile::contains(std::string_view key) const { return locate(key) != nullptr; }

bool RecordFile::find(std::string_view key, std::string& payload) const {
  const Location* at = locate(key);
  if (!at) return false;
  if (load_ == Load::Whole) {
    payload.assign(data_.get() + at->offset + 4 + key_size_, at->size);
    return true;
  }
  // Read the record again and check it as the scan did: another process may have cut the
  // file short or started it again since (a record that checks out says what it said then).
  const std::size_t total = kFraming + key_size_ + at->size;
  payload.resize(total);
  std::uint32_t len = 0;
  std::uint64_t sum = 0;
  if (!read_at(fd_, at->offset, total, payload.data())) return false;
  std::memcpy(&len, payload.data(), 4);
  std::memcpy(&sum, payload.data() + total - 8, 8);
  if (len != at->size || payload.compare(4, key_size_, key) != 0 ||
      sum != checksum(payload.data() + 4, key_size_ + at->size))
    return false;
  payload.erase(0, 4 + key_size_);
  payload.resize(at->size);
  return true;
}

void RecordFile::add(std::string_view key, std::string_view payload) {
  if (key.size() != key_size_ || contains(key) || !pending_keys_.emplace(key).second) return;
  const auto len = static_cast<std::uint32_t>(payload.size());
  const std::size_t start = pending_.size();
  pending_.append(reinterpret_cast<const char*>(&len), 4);
  pending_ += key;
  pending_ += payload;
  const std::uint64_t sum = checksum(pending_.data() + start + 4, pending_.size() - start - 4);
  pending_.append(reinterpret_cast<const char*>(&sum), 8);
}

bool RecordFile::flush() {
  if (pending_.empty()) return true;
  const std::string dir = path_.substr(0, path_.rfind('/'));
  ::mkdir(dir.c_str(), 0755);
  bool written = false;
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
      } else if (static_cast<std::uint64_t>(st.st_size) == file_size_ && valid_end_ < file_size_) {
        // Nobody appended since it was read, and it ends in a torn record: cut that off.
        ok = ::ftruncate(fd, static_cast<off_t>(valid_end_)) == 0;
      }
      auto write_all = [fd](const std::string& out) {
        std::size_t done = 0;
        while (done < out.size()) {
          ssize_t n = ::write(fd, out.data() + done, out.size() - done);
          if (n <= 0) return false;
          done += static_cast<std::size_t>(n);
        }
        return true;
      };
      if (ok) {
        ::lseek(fd, 0, SEEK_END);
        written = (ours || write_all(magic_)) && write_all(pending_);
      }
    }
  }
  if (fd >= 0) ::close(fd);  // releases the lock
  pending_.clear();
  pending_.shrink_to_fit();
  // What was written stays known as written: add() does not queue it again.
  return written;
}

}  // namespace mreg
