#include "page_cache.h"

#include <algorithm>
#include <thread>

namespace mreg::server {
namespace {

MakingGate& making_gate() {
  static MakingGate gate(std::max(1u, std::thread::hardware_concurrency()));
  return gate;
}

}  // namespace

void MakingGate::enter() {
  std::unique_lock<std::mutex> lock(mutex_);
  const std::uint64_t ticket = next_++;
  turn_.wait(lock, [&] { return ticket < left_ + slots_; });
}

void MakingGate::leave() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++left_;
  }
  turn_.notify_all();
}

std::optional<std::string> PageCache::get(const std::string& key,
                                          const std::function<std::optional<std::string>()>& make) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    made_.wait(lock, [&] { return making_.count(key) == 0; });
    if (auto found = find_locked(key)) return found;
    making_.insert(key);
  }
  struct Done {  // wakes the waiters however make() ends
    PageCache& cache;
    const std::string& key;
    ~Done() {
      {
        std::lock_guard<std::mutex> lock(cache.mutex_);
        cache.making_.erase(key);
      }
      cache.made_.notify_all();
    }
  } done{*this, key};
  struct Turn {  // leaves the gate however make() ends
    Turn() { making_gate().enter(); }
    ~Turn() { making_gate().leave(); }
  };
  std::optional<std::string> page;
  {
    Turn turn;
    page = make();
  }
  if (page) {
    std::lock_guard<std::mutex> lock(mutex_);
    put_locked(key, *page);
  }
  return page;
}

std::optional<std::string> PageCache::find_locked(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, it->second);
  return it->second->second;
}

void PageCache::put_locked(const std::string& key, const std::string& page) {
  const std::size_t size = key.size() + page.size();
  if (size > max_bytes_ / 4 || index_.count(key)) return;  // one page never pushes out most of the others
  entries_.emplace_front(key, page);
  index_[key] = entries_.begin();
  bytes_ += size;
  while (bytes_ > max_bytes_) {
    const Entry& last = entries_.back();
    bytes_ -= last.first.size() + last.second.size();
    index_.erase(last.first);
    entries_.pop_back();
  }
}

}  // namespace mreg::server
