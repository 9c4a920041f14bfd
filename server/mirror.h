// `--mirror URL --interval 30s`: keeps the served folder a bare mirror of a
// remote registry by fetching it on a timer. A failed fetch is logged and the
// last fetched state keeps being served.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace mreg::server {

class Mirror {
 public:
  using Log = std::function<void(const std::string&)>;
  Mirror(std::string url, std::string path, std::int64_t interval_seconds, Log log);
  ~Mirror();

  // One fetch now; throws mreg::Error when it fails (at start: nothing to serve yet).
  void update_now();
  // Fetches every interval on a thread of its own until stop().
  void start();
  void stop();

 private:
  void run();

  std::string url_, path_;
  std::int64_t interval_;
  Log log_;
  std::string head_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mreg::server
