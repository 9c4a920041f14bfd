#include "workers.h"

namespace mreg::server {

ConnectionWorkers::~ConnectionWorkers() { shutdown(); }

void ConnectionWorkers::enqueue(std::function<void()> connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(connection));
  // Workers already woken but not yet running count as idle until they take a connection.
  if (!stopping_ && idle_ < queue_.size() && workers_.size() < max_workers_) workers_.emplace_back([this] { work(); });
  wake_.notify_one();
}

void ConnectionWorkers::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  // No new worker is made once stopping_ is set, so the list no longer changes.
  for (auto& w : workers_) w.join();
}

void ConnectionWorkers::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    --idle_;
    if (queue_.empty()) return;  // stopping, and nothing left to serve
    auto connection = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    connection();
    lock.lock();
  }
}

}  // namespace mreg::server
