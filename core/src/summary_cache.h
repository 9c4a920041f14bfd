// Caches of what reads parse, kept in the repository's git directory in
// RecordFiles (record_file.h) and keyed by git object ids. Objects never
// change, so an entry never goes stale. The caches only save parsing; they
// never change an answer.
//
// - SummaryCache (mreg/cache-v1.bin): the summary of a model folder, keyed by
//   the folder's tree and the mreg.yaml blob it was read with (model list).
// - BlobCache (mreg/blobs-v1.bin): a parsed model folder (model.yaml and every
//   version, with their aliases) keyed by the folder's tree: version search,
//   and every read of many models. Readers still check that the names fit the
//   folder's place. (One record per folder rather than per file: a search then
//   reads no tree below models/, and the file is half the size.)
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "git.h"
#include "mreg/types.h"
#include "record_file.h"

namespace mreg {

// A model folder's files, parsed: model.yaml and every versions/<n>.yaml.
struct ModelFolder {
  RegisteredModel model;
  std::vector<ModelVersion> versions;  // ascending, with their aliases
};

// A folder as the bytes BlobCache keeps (a third of its size parsed, or less), and back; nullopt
// for bytes that are not such a record. With `version_offsets`, where each version's record
// starts, for decode_version_at (one version read without the others).
std::string encode_folder(const ModelFolder& folder, std::vector<std::size_t>* version_offsets = nullptr);
std::optional<ModelFolder> decode_folder(const char* data, std::size_t size);
std::optional<ModelVersion> decode_version_at(const char* data, std::size_t size, std::size_t offset);

class SummaryCache {
 public:
  // Loads the cache of the repository whose git directory is `git_dir`.
  explicit SummaryCache(const std::string& git_dir);

  bool contains(const git::Oid& folder_tree, const git::Oid& config_blob) const;
  std::optional<ModelSummary> find(const git::Oid& folder_tree, const git::Oid& config_blob) const;
  // Queued, written by flush().
  void add(const git::Oid& folder_tree, const git::Oid& config_blob, const ModelSummary& summary);
  // Appends what was added; a failure to write only costs speed next time (false then).
  bool flush();

  static std::string encode(const ModelSummary& s);
  static std::optional<ModelSummary> decode(const char* data, size_t size);

 private:
  RecordFile file_;
};

// Summaries kept in this process's memory, for a long-running reader (mreg
// serve) that lists the models of one commit after another: keyed like
// SummaryCache, so a new commit reads again only the folders it changed, and
// the file cache is loaded only when many are missing. Off unless
// keep_read_caches_in_memory() (mreg/long_running.h) was called. Thread-safe.
class SummaryMemo {
 public:
  // The memo of this repository and mreg.yaml blob, or null when off.
  static std::shared_ptr<SummaryMemo> of(const std::string& git_dir, const git::Oid& config_blob);

  std::shared_ptr<const ModelSummary> find(const git::Oid& folder_tree);
  void add(const git::Oid& folder_tree, std::shared_ptr<const ModelSummary> summary);
  // Forgets the summaries of folders no listing used since the last call, once they are many.
  void prune(std::size_t folders_listed);

 private:
  struct OidHash {
    std::size_t operator()(const git::Oid& oid) const;
  };
  struct Entry {
    std::shared_ptr<const ModelSummary> summary;
    bool used = true;
  };
  std::mutex mutex_;
  std::unordered_map<git::Oid, Entry, OidHash> entries_;
};

// find_* may run on several threads at once, and with add_*.
class BlobCache {
 public:
  explicit BlobCache(const std::string& git_dir);

  std::optional<ModelFolder> find_folder(const git::Oid& tree) const;
  // Queued; written by flush(), or along the way when much is queued.
  void add_folder(const git::Oid& tree, const ModelFolder& folder);
  void flush();

 private:
  static constexpr std::size_t kFlushBytes = 4 << 20;
  RecordFile file_;
  std::mutex mutex_;
};

}  // namespace mreg
