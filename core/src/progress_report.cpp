#include "progress_report.h"

namespace mreg {
namespace {

std::mutex callback_mutex;
ProgressCallback installed;

}  // namespace

// A callback that throws is ignored: showing progress must never turn an answer into a failure.

void set_progress_callback(ProgressCallback callback) {
  std::lock_guard<std::mutex> lock(callback_mutex);
  installed = std::move(callback);
}

ProgressReport::ProgressReport(std::string what, std::size_t total) : what_(std::move(what)), total_(total) {
  {
    std::lock_guard<std::mutex> lock(callback_mutex);
    callback_ = installed;
  }
  if (!callback_) return;
  try {
    callback_(what_, 0, total_);
  } catch (...) {
  }
}

ProgressReport::~ProgressReport() {
  if (!callback_) return;
  try {
    callback_(what_, total_, total_);
  } catch (...) {
  }
}

void ProgressReport::advance(std::size_t n) {
  if (!callback_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  done_ += n;
  if (done_ >= total_) return;  // the end is said once, by the destructor
  try {
    callback_(what_, done_, total_);
  } catch (...) {
  }
}

}  // namespace mreg
