#include "kept_reads.h"

#include <algorithm>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "mreg/long_running.h"

namespace mreg {
namespace {

// About what a parsed folder holds on the heap (strings, tag maps): the budget's unit.
std::size_t strings_bytes(const TagMap& tags) {
  std::size_t n = 0;
  for (const auto& [k, v] : tags) n += 96 + k.size() + v.size();  // a map node and its strings
  return n;
}
std::size_t version_bytes(const ModelVersion& v) {
  std::size_t n = sizeof(ModelVersion) + v.description.size() + v.source.size() + v.run_id.size() +
                  v.run_link.size() + v.digest.size() + v.created_by.size() + v.storage_location.size() +
                  v.status_message.size() + strings_bytes(v.tags) + 32 * v.flavors.size() + 32 * v.aliases.size();
  if (!v.signature.is_null()) n += 64 * v.signature.size() + 256;
  return n;
}
std::size_t approximate_bytes(const ModelFolder& f) {
  const RegisteredModel& m = f.model;
  std::size_t n = sizeof(ModelFolder) + m.name.size() + m.description.size() + m.created_by.size() +
                  strings_bytes(m.tags) + 96 * (m.aliases.size() + m.alias_requests.size());
  for (const auto& v : f.versions) n += version_bytes(v);
  return n;
}

// Most recently used first; beyond the budget the least recently used go.
template <class Value>
class KeptByKey {
 public:
  using Size = std::size_t (*)(const Value&);
  KeptByKey(std::size_t budget, Size size) : budget_(budget), size_(size) {}

  std::shared_ptr<const Value> find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->value;
  }
  void add(const std::string& key, std::shared_ptr<const Value> value) {
    const std::size_t bytes = size_(*value);
    std::lock_guard<std::mutex> lock(mutex_);
    if (index_.count(key)) return;
    entries_.push_front({key, std::move(value), bytes});
    index_[key] = entries_.begin();
    used_ += bytes;
    while (used_ > budget_ && entries_.size() > 1) {
      used_ -= entries_.back().bytes;
      index_.erase(entries_.back().key);
      entries_.pop_back();  // whoever still holds it keeps it until done
    }
  }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const Value> value;
    std::size_t bytes;
  };
  std::mutex mutex_;
  std::list<Entry> entries_;
  std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
  std::size_t used_ = 0;
  const std::size_t budget_;
  const Size size_;
};

// A server keeps every folder as the bytes of its record (summary_cache.h, encode_folder) and
// parses them for each read: a folder of 10 versions takes about 5 KB so, against 15 KB parsed
// (strings, tag maps, 712-byte versions), and its parse costs microseconds. The budget holds
// 10,000 such models about twice over; a one-shot command keeps the last few folders parsed.
constexpr std::size_t kServerFolderBytes = std::size_t(96) << 20;
constexpr std::size_t kCommandFolderBytes = 64 << 10;

template <class Value>
std::shared_ptr<const Value> find_or_read(KeptByKey<Value>& kept, const std::string& key,
                                          const std::function<Value()>& read) {
  if (auto found = kept.find(key)) return found;
  auto made = std::make_shared<const Value>(read());  // a read that throws keeps nothing
  kept.add(key, made);
  return made;
}

// A folder as a server keeps it: its record, and where each version's record starts in it.
struct CompactFolder {
  std::string bytes;
  std::vector<std::pair<std::int64_t, std::size_t>> versions;  // number, offset; ascending
};

KeptByKey<CompactFolder>& server_folders() {
  static auto* kept = new KeptByKey<CompactFolder>(  // never freed
      kServerFolderBytes, [](const CompactFolder& f) -> std::size_t {
        return f.bytes.capacity() + f.versions.capacity() * sizeof(f.versions[0]) + 128;
      });
  return *kept;
}

// The folder read by `read`, kept compact by a server.
SharedFolder read_and_keep(const std::string& key, const std::function<ModelFolder()>& read) {
  auto made = std::make_shared<const ModelFolder>(read());  // a read that throws keeps nothing
  auto compact = std::make_shared<CompactFolder>();
  std::vector<std::size_t> offsets;
  compact->bytes = encode_folder(*made, &offsets);
  compact->bytes.shrink_to_fit();
  compact->versions.reserve(offsets.size());
  for (std::size_t i = 0; i < offsets.size(); ++i) compact->versions.emplace_back(made->versions[i].version, offsets[i]);
  server_folders().add(key, std::move(compact));
  return made;
}

}  // namespace

SharedFolder kept_folder(const git::Oid& tree, const std::string& name, const std::function<ModelFolder()>& read) {
  const std::string key = std::string(tree.raw()) + name;
  if (read_caches_in_memory()) {
    if (auto compact = server_folders().find(key))
      if (auto folder = decode_folder(compact->bytes.data(), compact->bytes.size()))
        return std::make_shared<const ModelFolder>(std::move(*folder));
    return read_and_keep(key, read);
  }
  static auto* command = new KeptByKey<ModelFolder>(kCommandFolderBytes, approximate_bytes);  // never freed
  return find_or_read(*command, key, read);
}

std::optional<ModelVersion> kept_folder_version(const git::Oid& tree, const std::string& name, std::int64_t version,
                                                const std::function<ModelFolder()>& read) {
  const std::string key = std::string(tree.raw()) + name;
  auto compact = read_caches_in_memory() ? server_folders().find(key) : nullptr;
  if (compact) {
    const auto& vs = compact->versions;
    auto it = std::lower_bound(vs.begin(), vs.end(), version, [](const auto& e, std::int64_t n) { return e.first < n; });
    if (it == vs.end() || it->first != version) return std::nullopt;
    if (auto v = decode_version_at(compact->bytes.data(), compact->bytes.size(), it->second)) return v;
  }
  const SharedFolder folder = kept_folder(tree, name, read);
  auto it = std::lower_bound(folder->versions.begin(), folder->versions.end(), version,
                             [](const ModelVersion& v, std::int64_t n) { return v.version < n; });
  if (it == folder->versions.end() || it->version != version) return std::nullopt;
  return *it;
}

SharedVersion kept_version(const git::Oid& blob, const std::string& path, const std::function<ModelVersion()>& read) {
  // A version parsed is about 1.5 KB: this keeps a few hundred, enough for the folders of
  // the neighbouring commits one command or a server's new commit reads.
  static auto* kept = new KeptByKey<ModelVersion>(std::size_t(512) << 10, version_bytes);  // never freed
  return find_or_read(*kept, std::string(blob.raw()) + path, read);
}

SharedListing kept_listing(const git::Oid& models, const std::function<std::vector<git::TreeEntry>()>& read) {
  if (!read_caches_in_memory()) return std::make_shared<const std::vector<git::TreeEntry>>(read());
  // The listing of the served commit and of the one before it (a ref that just moved).
  static auto* kept = new KeptByKey<std::vector<git::TreeEntry>>(
      2, [](const std::vector<git::TreeEntry>&) -> std::size_t { return 1; });
  return find_or_read(*kept, std::string(models.raw()), read);
}

SharedBasics kept_basics(const git::Oid& commit, const std::function<CommitBasics()>& read) {
  if (!read_caches_in_memory()) return std::make_shared<const CommitBasics>(read());
  static auto* kept = new KeptByKey<CommitBasics>(8, [](const CommitBasics&) -> std::size_t { return 1; });
  return find_or_read(*kept, std::string(commit.raw()), read);
}

}  // namespace mreg
