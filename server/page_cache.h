// Answers by commit: a page or an API answer is a function of the commit it
// was read from and its URL, so an answer once made stays right forever. The
// history a model or version page shows is read from every commit, which takes
// long on a large registry; the cache makes every view after the first one
// cheap, and spares the API parsing the same files again.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace mreg::server {

// At most one answer per CPU is made at once, in the order they were asked for; the other
// requests wait their turn. A server has many more threads than CPUs (one per connection), and
// when all of them make answers at once, a thread preempted while it holds a lock (a history
// index, a cache's) holds up all the others: first visits then take ten times longer at the tail.
class MakingGate {
 public:
  explicit MakingGate(std::size_t slots) : slots_(slots) {}
  void enter();
  void leave();

 private:
  std::mutex mutex_;
  std::condition_variable turn_;
  std::uint64_t next_ = 0, left_ = 0;
  const std::size_t slots_;
};

// Each of the two answer caches (pages, API). The parsed model folders kept in memory make a
// first answer cheap, so the caches keep only what is asked for again soon.
constexpr std::size_t kAnswerCacheBytes = std::size_t(16) << 20;

class PageCache {
 public:
  explicit PageCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  // The answer for `key`, made by `make` when it is not cached yet. While one
  // request makes it, others asking for the same key wait for it instead of
  // making it again (a burst on a page that takes long costs one making).
  // `make` returns nullopt for an answer not to keep (an error); it may throw.
  // Answers are made a few at a time, over every cache (MakingGate).
  std::optional<std::string> get(const std::string& key, const std::function<std::optional<std::string>()>& make);

 private:
  std::optional<std::string> find_locked(const std::string& key);
  void put_locked(const std::string& key, const std::string& page);

  using Entry = std::pair<std::string, std::string>;  // key, page
  std::mutex mutex_;
  std::condition_variable made_;
  std::unordered_set<std::string> making_;
  std::list<Entry> entries_;                           // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::size_t bytes_ = 0, max_bytes_;
};

}  // namespace mreg::server
