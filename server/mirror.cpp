#include "mirror.h"

#include <chrono>

#include "mreg/error.h"
#include "mreg/mirror.h"
#include "mreg/remote.h"

namespace mreg::server {

Mirror::Mirror(std::string url, std::string path, std::int64_t interval_seconds, Log log)
    : url_(std::move(url)), path_(std::move(path)), interval_(interval_seconds), log_(std::move(log)) {}

Mirror::~Mirror() { stop(); }

void Mirror::update_now() {
  const std::string head = update_mirror(url_, path_, RemoteCredentials::from_environment().with_password_of(url_));
  if (head != head_)
    log_("mreg serve: mirror of " + redacted_url(url_) + " now at " + (head.empty() ? "(no commits)" : head));
  head_ = head;
}

void Mirror::start() { thread_ = std::thread([this] { run(); }); }

void Mirror::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Mirror::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::seconds(interval_), [this] { return stopping_; })) {
    lock.unlock();
    try {
      update_now();
    } catch (const std::exception& e) {
      log_(std::string("mreg serve: mirror fetch failed (still serving the last state): ") + e.what());
    }
    lock.lock();
  }
}

}  // namespace mreg::server
