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

// One event's fields as the index stores them (all but the commit, its time and author,
// which its commit's record holds).
void encode_event(RecordWriter& w, const Event& e);
bool decode_event(RecordReader& r, Event& e);

class HistoryIndex {
 public:
  using EventsOf = std::function<std::vector<Event>(const git::CommitInfo&)>;

  explicit HistoryIndex(const std::string& git_dir);

  // Indexes every commit reachable from `tip` that is not indexed yet (and writes them).
  void update(const git::Repository& repo, const git::Oid& tip, const EventsOf& events_of);

  // A commit's parents, by position. The first is kept inline: most commits have one, and
  // an allocation per commit was a tenth of loading the index.
  class Parents {
   public:
    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }
    std::uint32_t front() const { return first_; }
    std::uint32_t operator[](std::size_t i) const { return i == 0 ? first_ : more_[i - 1]; }
    void push_back(std::uint32_t p) {
      if (count_++ == 0) first_ = p;
      else more_.push_back(p);
    }

   private:
    std::uint32_t first_ = 0, count_ = 0;
    std::vector<std::uint32_t> more_;
  };
  struct Commit {
    git::Oid oid;
    Parents parents;
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

  // True while the index holds one line of history: every commit the child of the one
  // before it (a registry written on one branch). The commits reachable from a position
  // are then the positions up to it, and walk order is descending position.
  // With it, lists of positions by model are kept (made on the first call, then kept up to
  // date) for newest_naming(); false when the history is not one line.
  bool lists_models();
  // The newest position below `below` whose events name one of `models` (after lists_models()).
  std::optional<std::uint32_t> newest_naming(const std::set<std::string>& models, std::uint32_t below) const;
  std::vector<Event> events(std::uint32_t pos) const;

 private:
  void append(const git::CommitInfo& info, const std::vector<Event>& events);
  void load_record(std::string_view key, std::string_view payload);

  RecordFile file_;
  std::vector<Commit> commits_;
  struct IdHash {  // an object id is as good as random: its first 8 bytes do
    std::size_t operator()(std::string_view id) const;
  };
  std::unordered_map<std::string_view, std::uint32_t, IdHash> positions_;  // key: the id's 20 bytes
  std::deque<std::string> added_;  // keys and payloads this process appended (commits_ points into them)
  bool one_line_ = true;
  bool naming_made_ = false;
  std::unordered_map<std::string, std::vector<std::uint32_t>> naming_;  // model -> positions, ascending
  void add_naming(std::uint32_t pos);
};

// The events of the newest first-parent stretch of history that `mreg events`
// read (mreg/history-tip.bin): the commits from a tip down to a base, each with
// one parent, and their events. `mreg events A..B` after a push asks about such
// a stretch again and again (a CI job per notification target, a rerun); this
// answers it without loading the index of the whole history or reading a commit.
// Written whole (a new file renamed over the old one), checksummed, keyed by
// commit ids: never stale, only replaced by another stretch.
class TipChain {
 public:
  struct Entry {
    git::Oid oid;
    Timestamp author_time = 0;
    std::size_t payload_at = 0, payload_size = 0;  // in data_: as HistoryIndex's (author, models, events)
  };

  // nullopt when there is no file, or it is damaged or of another format.
  static std::optional<TipChain> load(const std::string& git_dir);
  // Writes the stretch `commits` (newest first, each the first parent's child) down to `base`,
  // the parent of the last; a failure to write only costs speed next time.
  static void save(const std::string& git_dir, const std::vector<git::CommitInfo>& commits,
                   const std::vector<std::vector<Event>>& events, const git::Oid& base);

  // Position of a commit in the stretch (0 = the tip); size() for the base.
  std::optional<std::size_t> position(const git::Oid& oid) const;
  std::size_t size() const { return entries_.size(); }
  std::vector<Event> events(std::size_t pos) const;

 private:
  std::string data_;
  std::vector<Entry> entries_;
  git::Oid base_;
};

}  // namespace mreg
