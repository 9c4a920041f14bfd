#include "summary_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace mreg {
namespace {

constexpr char kMagic[] = "mreg-cache 2\n";
constexpr size_t kMagicSize = sizeof(kMagic) - 1;
constexpr size_t kKeySize = 40;
// A record: u32 payload size, 40-byte key, payload, u64 checksum of key and payload.
constexpr size_t kOverhead = 4 + kKeySize + 8;

std::uint64_t fnv1a(const char* data, size_t n, std::uint64_t h = 1469598103934665603ull) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

std::string make_key(const git::Oid& a, const git::Oid& b) {
  std::string k(kKeySize, '\0');
  std::memcpy(k.data(), a.bytes.data(), 20);
  std::memcpy(k.data() + 20, b.bytes.data(), 20);
  return k;
}

// Little-endian, length-prefixed fields.
class Writer {
 public:
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(const std::string& s) {
    u64(s.size());
    out += s;
  }
  void json(const Json& j) { str(j.is_null() ? std::string() : j.dump()); }
  void tags(const TagMap& m) {
    u64(m.size());
    for (const auto& [k, v] : m) {
      str(k);
      str(v);
    }
  }
  void extensions(const Extensions& e) {
    u64(e.size());
    for (const auto& [k, v] : e) {
      str(k);
      json(v);
    }
  }
  std::string out;
};

class Reader {
 public:
  Reader(const char* p, size_t n) : p_(p), end_(p + n) {}
  bool u64(std::uint64_t& v) {
    if (end_ - p_ < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p_[i])) << (8 * i);
    p_ += 8;
    return true;
  }
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
  bool json(Json& j) {
    std::string s;
    if (!str(s)) return false;
    if (s.empty()) {
      j = nullptr;
      return true;
    }
    j = Json::parse(s, nullptr, false);
    return !j.is_discarded();
  }
  bool tags(TagMap& m) {
    std::uint64_t n;
    if (!u64(n)) return false;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string k, v;
      if (!str(k) || !str(v)) return false;
      m.emplace(std::move(k), std::move(v));
    }
    return true;
  }
  bool extensions(Extensions& e) {
    std::uint64_t n;
    if (!u64(n)) return false;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string k;
      Json v;
      if (!str(k) || !json(v)) return false;
      e.emplace_back(std::move(k), std::move(v));
    }
    return true;
  }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

void encode_version(Writer& w, const ModelVersion& v) {
  w.str(v.name);
  w.i64(v.version);
  w.str(v.stage);
  w.str(v.stage_request);
  w.str(v.description);
  w.str(v.source);
  w.str(v.run_id);
  w.str(v.run_link);
  w.str(v.experiment_id);
  w.str(v.digest);
  w.u64(v.flavors.size());
  for (const auto& f : v.flavors) w.str(f);
  w.json(v.signature);
  w.str(v.status);
  w.str(v.status_message);
  w.i64(v.created_at);
  w.str(v.created_by);
  w.i64(v.updated_at);
  w.tags(v.tags);
  w.extensions(v.extensions);
  w.u64(v.aliases.size());
  for (const auto& a : v.aliases) w.str(a);
}

bool decode_version(Reader& r, ModelVersion& v) {
  std::uint64_t n;
  if (!(r.str(v.name) && r.i64(v.version) && r.str(v.stage) && r.str(v.stage_request) && r.str(v.description) &&
        r.str(v.source) && r.str(v.run_id) && r.str(v.run_link) && r.str(v.experiment_id) && r.str(v.digest) &&
        r.u64(n)))
    return false;
  v.flavors.resize(n);
  for (auto& f : v.flavors)
    if (!r.str(f)) return false;
  if (!(r.json(v.signature) && r.str(v.status) && r.str(v.status_message) && r.i64(v.created_at) &&
        r.str(v.created_by) && r.i64(v.updated_at) && r.tags(v.tags) && r.extensions(v.extensions) && r.u64(n)))
    return false;
  v.aliases.resize(n);
  for (auto& a : v.aliases)
    if (!r.str(a)) return false;
  return true;
}

}  // namespace

std::string SummaryCache::encode(const ModelSummary& s) {
  Writer w;
  const RegisteredModel& m = s.model;
  w.str(m.name);
  w.str(m.description);
  w.i64(m.created_at);
  w.str(m.created_by);
  w.i64(m.updated_at);
  w.i64(m.last_version);
  w.u64(m.aliases.size());
  for (const auto& [a, v] : m.aliases) {
    w.str(a);
    w.i64(v);
  }
  w.tags(m.alias_requests);
  w.tags(m.tags);
  w.extensions(m.extensions);
  w.u64(s.latest_versions.size());
  for (const auto& v : s.latest_versions) encode_version(w, v);
  return w.out;
}

std::optional<ModelSummary> SummaryCache::decode(const char* data, size_t size) {
  Reader r(data, size);
  ModelSummary s;
  RegisteredModel& m = s.model;
  std::uint64_t n;
  if (!(r.str(m.name) && r.str(m.description) && r.i64(m.created_at) && r.str(m.created_by) && r.i64(m.updated_at) &&
        r.i64(m.last_version) && r.u64(n)))
    return std::nullopt;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string a;
    std::int64_t v;
    if (!r.str(a) || !r.i64(v)) return std::nullopt;
    m.aliases[a] = v;
  }
  if (!r.tags(m.alias_requests) || !r.tags(m.tags) || !r.extensions(m.extensions) || !r.u64(n)) return std::nullopt;
  if (n > 1024) return std::nullopt;
  s.latest_versions.resize(n);
  for (auto& v : s.latest_versions)
    if (!decode_version(r, v)) return std::nullopt;
  if (!r.done()) return std::nullopt;
  return s;
}

SummaryCache::SummaryCache(std::string git_dir) : path_(std::move(git_dir) + "mreg/cache-v1.bin") {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    data_.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < data_.size()) {
      ssize_t n = ::read(fd, data_.data() + got, data_.size() - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    data_.resize(got);
  }
  ::close(fd);
  if (data_.size() < kMagicSize || data_.compare(0, kMagicSize, kMagic) != 0) {
    data_.clear();  // not ours, or from another version: start over
    return;
  }
  size_t pos = kMagicSize;
  while (pos + kOverhead <= data_.size()) {
    std::uint32_t len = 0;
    std::memcpy(&len, data_.data() + pos, 4);
    if (len > data_.size() - pos - kOverhead) break;
    const char* key = data_.data() + pos + 4;
    std::uint64_t sum = 0;
    std::memcpy(&sum, key + kKeySize + len, 8);
    if (sum != fnv1a(key, kKeySize + len)) break;  // torn or corrupt: ignore the rest
    index_[std::string(key, kKeySize)] = {pos + 4 + kKeySize, len};
    pos += kOverhead + len;
  }
  valid_end_ = pos;
}

std::optional<ModelSummary> SummaryCache::find(const git::Oid& folder_tree, const git::Oid& config_blob) const {
  auto it = index_.find(make_key(folder_tree, config_blob));
  if (it == index_.end()) return std::nullopt;
  return decode(data_.data() + it->second.first, it->second.second);
}

void SummaryCache::add(const git::Oid& folder_tree, const git::Oid& config_blob, const ModelSummary& summary) {
  const std::string key = make_key(folder_tree, config_blob);
  if (index_.count(key) || !pending_keys_.insert(key).second) return;
  const std::string payload = encode(summary);
  const auto len = static_cast<std::uint32_t>(payload.size());
  std::string record(reinterpret_cast<const char*>(&len), 4);
  record += key;
  record += payload;
  const std::uint64_t sum = fnv1a(record.data() + 4, record.size() - 4);
  record.append(reinterpret_cast<const char*>(&sum), 8);
  pending_ += record;
}

void SummaryCache::flush() {
  if (pending_.empty()) return;
  const std::string dir = path_.substr(0, path_.rfind('/'));
  ::mkdir(dir.c_str(), 0755);
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (::flock(fd, LOCK_EX) == 0) {
    struct stat st;
    if (::fstat(fd, &st) == 0) {
      // Read the header again under the lock: another process may have made the file.
      char magic[kMagicSize] = {};
      const bool ours = st.st_size >= static_cast<off_t>(kMagicSize) &&
                        ::pread(fd, magic, kMagicSize, 0) == static_cast<ssize_t>(kMagicSize) &&
                        std::memcmp(magic, kMagic, kMagicSize) == 0;
      std::string head;
      bool ok = true;
      if (!ours) {
        // Empty, or not a cache of this version: start it again.
        ok = ::ftruncate(fd, 0) == 0;
        head = kMagic;
      } else if (static_cast<size_t>(st.st_size) == data_.size() && valid_end_ < data_.size()) {
        // Nobody appended since it was read, and it ends in a torn record: cut that off.
        ok = ::ftruncate(fd, static_cast<off_t>(valid_end_)) == 0;
      }
      if (!ok) {
        ::close(fd);
        pending_.clear();
        return;
      }
      const std::string out = head + pending_;
      ::lseek(fd, 0, SEEK_END);
      size_t done = 0;
      while (done < out.size()) {
        ssize_t n = ::write(fd, out.data() + done, out.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
    }
  }
  ::close(fd);  // releases the lock
  pending_.clear();
}

}  // namespace mreg
