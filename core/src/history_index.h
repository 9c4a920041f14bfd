// The history index (mreg/history-v1.bin in the git directory, a RecordFile):
// for every commit read so far, keyed by its id, its parents, times, author and
// the events it made. A commit's events follow from the commit alone, so a
// record never goes stale; a rewritten branch adds the new commits and leaves
// the old ones, unread. Every commit is appended after its parents, so the
// records up to a torn or corrupt one are a closed history: what follows is
// read from git again.
//
// History queries (mreg log, stage-history, events, REV@{DATE}) read it
// instead of walking git, after indexing what is new since the last query.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "git.h"
#include "mreg/history.h"
#include "record_file.h"

namespace mreg {

class HistoryIndex {
 public:
  using EventsOf = std::function<std::vector<Event>(const git::CommitInfo&)>;

  explicit HistoryIndex(const std::string& git_dir);

  // Indexes every commit reachable from `tip` that is not indexed yet (and writes them).
  void update(const git::Repository& repo, const git::Oid& tip, const EventsOf& events_of);

  struct Commit {
    git::Oid oid;
    std::vector<std::uint32_t> parents;  // positions
    Timestamp author_time = 0, committer_time = 0;
    bool merges_below = false;  // a merge commit is reachable from it (itself included)
    std::string_view payload;   // the rest of the record: author, models, events
  };
  std::optional<std::uint32_t> position(const git::Oid& oid) const;
  const Commit& commit(std::uint32_t pos) const { return commits_[pos]; }

  // The commits reachable from `from` but not from `hide`, in Repository::walk's order,
  // when no merge is reachable from `from` (the order is then the first-parent line);
  // nullopt when there is one (the caller asks git for the order).
  std::optional<std::vector<std::uint32_t>> linear_walk(std::uint32_t from, std::optional<std::uint32_t> hide) const;

  // Does any event of the commit name one of these models?
  bool names_any(std::uint32_t pos, const std::set<std::string>& models) const;
  std::vector<Event> events(std::uint32_t pos) const;

 private:
  void append(const git::CommitInfo& info, const std::vector<Event>& events);
  void load_record(std::string_view key, std::string_view payload);

  RecordFile file_;
  std::vector<Commit> commits_;
  std::unordered_map<std::string_view, std::uint32_t> positions_;  // key: the id's 20 bytes
  std::deque<std::string> added_;  // keys and payloads this process appended (commits_ points into them)
};

}  // namespace mreg
