// An append-only file of checksummed records with fixed-size keys, kept in the
// repository's git directory: what the read caches and the history index are
// stored in. Every record says something that never changes (it is keyed by
// git object ids), so a record once written stays true.
//
// Records are length-prefixed and checksummed; readers take no lock and stop
// at a torn or corrupt record (what follows it is read again from git and
// appended anew); writers append under an exclusive flock, and first cut off
// such a tail or start the file again when its header is not this format's.
// A missing or unreadable file is rebuilt as things are read; failing to write
// it only costs speed next time. A payload read back later (Load::Index) is
// checked again, so a file cut short or started again meanwhile by another
// process reads as a missing record, never as a wrong one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace mreg {

// The checksum of the records (and of other files of parsed facts).
std::uint64_t checksum(const char* data, std::size_t n);

// A small file of parsed facts written whole: `magic`, the u64 checksum of the body, the body.
// Written aside and renamed over the old one (creating its folder), so that a reader sees one
// whole file or the other; a failure to write only costs speed next time.
void write_checked_file(const std::string& path, const std::string& magic, const std::string& body);
// The body of such a file; nullopt when it is missing, of another format or damaged.
std::optional<std::string> read_checked_file(const std::string& path, const std::string& magic);

class RecordFile {
 public:
  // How a file is loaded. Whole: read into memory, for readers that go through
  // every record (records()). Index: read once to check it and index the keys;
  // a payload is read back from the file when it is asked for, so that memory
  // does not grow with the file.
  enum class Load { Whole, Index };

  // Loads `path` if it exists and starts with `magic` (a line that names the format and its version).
  RecordFile(std::string path, std::string magic, std::size_t key_size, Load load);
  ~RecordFile();
  RecordFile(const RecordFile&) = delete;  // the index points into data_ and keys_
  RecordFile& operator=(const RecordFile&) = delete;

  // Is there a record with this key in the file as loaded? Thread-safe.
  bool contains(std::string_view key) const;
  // The payload of the record with this key in the file as loaded, copied into
  // `payload`; false when there is none, or (Load::Index) when it no longer
  // reads back whole from the file. Thread-safe.
  bool find(std::string_view key, std::string& payload) const;
  // Load::Whole only: the records of the file as loaded, in file order (views into memory).
  const std::vector<std::pair<std::string_view, std::string_view>>& records() const { return records_; }

  // Queues a record (once per key); flush() writes the queue (appends it under
  // the lock) and says whether all of it was written. What was queued is never
  // queued again, written or not; it is found by readers that load the file later.
  void add(std::string_view key, std::string_view payload);
  bool has_pending(std::string_view key) const { return pending_keys_.count(std::string(key)) != 0; }
  std::size_t pending_bytes() const { return pending_.size(); }
  bool flush();

 private:
  struct Location {
    std::uint64_t offset;  // of the record in the file
    std::uint32_t size;    // of its payload
  };
  void scan(int fd);  // checks the records and indexes their keys
  const Location* locate(std::string_view key) const;

  std::string path_;
  std::string magic_;
  std::size_t key_size_;
  Load load_;
  int fd_ = -1;                 // Load::Index: the file, kept open to read payloads from
  std::uint64_t file_size_ = 0;  // as read
  std::uint64_t valid_end_ = 0;  // end of the last good record
  std::unique_ptr<char[]> data_;  // Load::Whole: the file as read (file_size_ bytes)
  std::string keys_;            // Load::Index: every record's key, back to back
  std::vector<std::pair<std::string_view, std::string_view>> records_;  // Load::Whole: key, payload
  std::vector<Location> locations_;  // every good record, in file order
  mutable std::once_flag indexed_;  // index_ is made on first use
  // Keys hold object ids, as good as random: a hash of a few of their bytes does.
  struct KeyHash {
    std::size_t operator()(std::string_view key) const;
  };
  mutable std::unordered_map<std::string_view, std::size_t, KeyHash> index_;  // key -> position in locations_
  std::string pending_;
  std::unordered_set<std::string> pending_keys_;
};

// The fields of a record's payload: numbers as variable-length integers, strings length-prefixed.
class RecordWriter {
 public:
  void u64(std::uint64_t v) {  // 7 bits a byte, low first; the high bit says more follow
    while (v >= 0x80) {
      out += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out += static_cast<char>(v);
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    out += s;
  }
  std::string out;
};

class RecordReader {
 public:
  RecordReader(const char* p, std::size_t n) : p_(p), end_(p + n) {}
  bool u64(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; p_ != end_ && shift < 64; shift += 7) {
      const auto byte = static_cast<unsigned char>(*p_++);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  }
  // A count of items that take a byte or more each: no more than the bytes left.
  bool count(std::uint64_t& n) { return u64(n) && n <= static_cast<std::uint64_t>(end_ - p_); }
  bool i64(std::int64_t& v) {
    std::uint64_t u;
    if (!u64(u)) return false;
    v = static_cast<std::int64_t>(u);
    return true;
  }
  bool str(std::string& s) {
    std::uint64_t n;
    if (!u64(n) || n > static_cast<std::uint64_t>(end_ - p_)) return false;
    s.assign(p_, n);
    p_ += n;
    return true;
  }
  bool view(std::string_view& s) {
    std::uint64_t n;
    if (!u64(n) || n > static_cast<std::uint64_t>(end_ - p_)) return false;
    s = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool done() const { return p_ == end_; }
  const char* here() const { return p_; }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace mreg
