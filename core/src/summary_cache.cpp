#include "summary_cache.h"

#include <cstring>
#include <map>

#include "mreg/long_running.h"

namespace mreg {
namespace {

constexpr char kSummaryCacheMagic[] = "mreg-cache 8\n";  // 8: times in milliseconds
constexpr char kBlobMagic[] = "mreg-blobs 4\n";  // 4: times in milliseconds

std::string make_key(const git::Oid& a, const git::Oid& b) {
  std::string k(40, '\0');
  std::memcpy(k.data(), a.bytes.data(), 20);
  std::memcpy(k.data() + 20, b.bytes.data(), 20);
  return k;
}

// A parsed object's key: what it was parsed as ('f': a model folder), then its id.
std::string blob_key(char kind, const git::Oid& blob) {
  std::string k(1, kind);
  k.append(reinterpret_cast<const char*>(blob.bytes.data()), 20);
  return k;
}

class Writer : public RecordWriter {
 public:
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
};

class Reader : public RecordReader {
 public:
  using RecordReader::RecordReader;
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
    if (!count(n)) return false;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string k, v;
      if (!str(k) || !str(v)) return false;
      m.emplace(std::move(k), std::move(v));
    }
    return true;
  }
  bool extensions(Extensions& e) {
    std::uint64_t n;
    if (!count(n)) return false;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string k;
      Json v;
      if (!str(k) || !json(v)) return false;
      e.emplace_back(std::move(k), std::move(v));
    }
    return true;
  }
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
  w.str(v.model_id);
  w.str(v.storage_location);
  w.str(v.digest);
  w.u64(v.flavors.size());
  for (const auto& f : v.flavors) w.str(f);
  w.json(v.signature);
  w.str(v.copied_from.registry);
  w.str(v.copied_from.model);
  w.i64(v.copied_from.version);
  w.str(v.copied_from.commit);
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
        r.str(v.source) && r.str(v.run_id) && r.str(v.run_link) && r.str(v.experiment_id) && r.str(v.model_id) && r.str(v.storage_location) && r.str(v.digest) &&
        r.count(n)))
    return false;
  v.flavors.resize(n);
  for (auto& f : v.flavors)
    if (!r.str(f)) return false;
  if (!(r.json(v.signature) && r.str(v.copied_from.registry) && r.str(v.copied_from.model) &&
        r.i64(v.copied_from.version) && r.str(v.copied_from.commit) && r.str(v.status) && r.str(v.status_message) && r.i64(v.created_at) &&
        r.str(v.created_by) && r.i64(v.updated_at) && r.tags(v.tags) && r.extensions(v.extensions) && r.count(n)))
    return false;
  v.aliases.resize(n);
  for (auto& a : v.aliases)
    if (!r.str(a)) return false;
  return true;
}

void encode_model(Writer& w, const RegisteredModel& m) {
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
}

bool decode_model(Reader& r, RegisteredModel& m) {
  std::uint64_t n;
  if (!(r.str(m.name) && r.str(m.description) && r.i64(m.created_at) && r.str(m.created_by) && r.i64(m.updated_at) &&
        r.i64(m.last_version) && r.count(n)))
    return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string a;
    std::int64_t v;
    if (!r.str(a) || !r.i64(v)) return false;
    m.aliases[a] = v;
  }
  return r.tags(m.alias_requests) && r.tags(m.tags) && r.extensions(m.extensions);
}

}  // namespace

std::string encode_folder(const ModelFolder& folder, std::vector<std::size_t>* version_offsets) {
  Writer w;
  encode_model(w, folder.model);
  w.u64(folder.versions.size());
  for (const auto& v : folder.versions) {
    if (version_offsets) version_offsets->push_back(w.out.size());
    encode_version(w, v);
  }
  return std::move(w.out);
}

std::optional<ModelVersion> decode_version_at(const char* data, std::size_t size, std::size_t offset) {
  if (offset > size) return std::nullopt;
  Reader r(data + offset, size - offset);
  ModelVersion v;
  if (!decode_version(r, v)) return std::nullopt;
  return v;
}

std::optional<ModelFolder> decode_folder(const char* data, std::size_t size) {
  Reader r(data, size);
  ModelFolder f;
  std::uint64_t n;
  if (!decode_model(r, f.model) || !r.count(n)) return std::nullopt;
  f.versions.resize(n);
  for (auto& v : f.versions)
    if (!decode_version(r, v)) return std::nullopt;
  if (!r.done()) return std::nullopt;
  return f;
}

std::string SummaryCache::encode(const ModelSummary& s) {
  Writer w;
  encode_model(w, s.model);
  w.u64(s.version_count);
  w.u64(s.latest_versions.size());
  for (const auto& v : s.latest_versions) encode_version(w, v);
  return w.out;
}

std::optional<ModelSummary> SummaryCache::decode(const char* data, size_t size) {
  Reader r(data, size);
  ModelSummary s;
  std::uint64_t n;
  std::uint64_t versions;
  if (!decode_model(r, s.model) || !r.u64(versions) || !r.count(n) || n > 1024) return std::nullopt;
  s.version_count = versions;
  s.latest_versions.resize(n);
  for (auto& v : s.latest_versions)
    if (!decode_version(r, v)) return std::nullopt;
  if (!r.done()) return std::nullopt;
  return s;
}

SummaryCache::SummaryCache(const std::string& git_dir) : file_(git_dir + "mreg/cache-v1.bin", kSummaryCacheMagic, 40, RecordFile::Load::Index) {}

bool SummaryCache::contains(const git::Oid& folder_tree, const git::Oid& config_blob) const {
  return file_.contains(make_key(folder_tree, config_blob));
}

std::optional<ModelSummary> SummaryCache::find(const git::Oid& folder_tree, const git::Oid& config_blob) const {
  std::string payload;
  if (!file_.find(make_key(folder_tree, config_blob), payload)) return std::nullopt;
  return decode(payload.data(), payload.size());
}

void SummaryCache::add(const git::Oid& folder_tree, const git::Oid& config_blob, const ModelSummary& summary) {
  const std::string key = make_key(folder_tree, config_blob);
  if (!file_.contains(key) && !file_.has_pending(key)) file_.add(key, encode(summary));
}

bool SummaryCache::flush() { return file_.flush(); }

std::shared_ptr<SummaryMemo> SummaryMemo::of(const std::string& git_dir, const git::Oid& config_blob) {
  if (!read_caches_in_memory()) return nullptr;
  static std::mutex mutex;
  // One memo per repository, made again when mreg.yaml changes (its stages shape the summaries).
  static std::map<std::string, std::pair<git::Oid, std::shared_ptr<SummaryMemo>>> memos;
  std::lock_guard<std::mutex> lock(mutex);
  auto& [blob, memo] = memos[git_dir];
  if (!memo || blob != config_blob) {
    blob = config_blob;
    memo = std::make_shared<SummaryMemo>();
  }
  return memo;
}

std::size_t SummaryMemo::OidHash::operator()(const git::Oid& oid) const {
  std::size_t h;
  std::memcpy(&h, oid.bytes.data(), sizeof h);  // an object id is as good as random
  return h;
}

std::shared_ptr<const ModelSummary> SummaryMemo::find(const git::Oid& folder_tree) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(folder_tree);
  if (it == entries_.end()) return nullptr;
  it->second.used = true;
  return it->second.summary;
}

void SummaryMemo::add(const git::Oid& folder_tree, std::shared_ptr<const ModelSummary> summary) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.insert_or_assign(folder_tree, Entry{std::move(summary), true});
}

void SummaryMemo::prune(std::size_t folders_listed) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Each commit leaves one or a few old folders behind: sweep when they add up to a
  // quarter of a listing, so that the memo stays near one registry's size.
  const bool sweep = entries_.size() > folders_listed + folders_listed / 4 + 64;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (sweep && !it->second.used) {
      it = entries_.erase(it);
    } else {
      it->second.used = false;
      ++it;
    }
  }
}

BlobCache::BlobCache(const std::string& git_dir) : file_(git_dir + "mreg/blobs-v1.bin", kBlobMagic, 21, RecordFile::Load::Index) {}

std::optional<ModelFolder> BlobCache::find_folder(const git::Oid& tree) const {
  std::string payload;
  if (!file_.find(blob_key('f', tree), payload)) return std::nullopt;
  return decode_folder(payload.data(), payload.size());
}

void BlobCache::add_folder(const git::Oid& tree, const ModelFolder& folder) {
  const std::string key = blob_key('f', tree);
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_.contains(key) || file_.has_pending(key)) return;
  file_.add(key, encode_folder(folder));
  if (file_.pending_bytes() > kFlushBytes) file_.flush();
}

void BlobCache::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  file_.flush();
}

}  // namespace mreg
