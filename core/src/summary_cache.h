// A cache of parsed model folders, kept in the repository's git directory
// (mreg/cache-v1.bin) and keyed by git object ids. Objects never change, so an
// entry never goes stale: the summary of the folder tree T read with the
// mreg.yaml blob C is the same forever. The cache only saves parsing; it never
// changes an answer.
//
// The file is append-only: records are length-prefixed and checksummed;
// readers take no lock and ignore a torn or corrupt tail; writers append
// under an exclusive flock and cut such a tail off first. A missing or
// unreadable cache is rebuilt as models are read.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "git.h"
#include "mreg/types.h"

namespace mreg {

class SummaryCache {
 public:
  // Loads the cache of the repository whose git directory is `git_dir`.
  explicit SummaryCache(std::string git_dir);

  std::optional<ModelSummary> find(const git::Oid& folder_tree, const git::Oid& config_blob) const;
  // Queued, written by flush().
  void add(const git::Oid& folder_tree, const git::Oid& config_blob, const ModelSummary& summary);
  // Appends what was added; a failure to write only costs speed next time.
  void flush();

  static std::string encode(const ModelSummary& s);
  static std::optional<ModelSummary> decode(const char* data, size_t size);

 private:
  std::string path_;
  std::string data_;       // the file as read
  size_t valid_end_ = 0;   // end of the last good record in data_
  std::unordered_map<std::string, std::pair<size_t, size_t>> index_;  // key -> payload offset, size
  std::string pending_;
  std::unordered_set<std::string> pending_keys_;
};

}  // namespace mreg
