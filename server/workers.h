// The server's workers: httplib serves each connection on one worker for as
// long as it stays open (kept alive between requests, or idle until the read
// timeout), so a pool smaller than the number of open connections leaves the
// others queued and unanswered until one closes. These workers are made as
// connections need them, up to a limit, and kept for the next connections.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mreg::server {

class ConnectionWorkers : public httplib::TaskQueue {
 public:
  explicit ConnectionWorkers(std::size_t max_workers) : max_workers_(max_workers) {}
  ~ConnectionWorkers() override;

  // A new connection: an idle worker takes it, else a new one while under the limit;
  // beyond it, the connection waits for a worker to be free.
  void enqueue(std::function<void()> connection) override;
  // Serves the connections already accepted, then joins every worker.
  void shutdown() override;

 private:
  void work();

  const std::size_t max_workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace mreg::server
