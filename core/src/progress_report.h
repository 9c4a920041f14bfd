// One long read's reports to the callback of mreg/progress.h.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

#include "mreg/progress.h"

namespace mreg {

class ProgressReport {
 public:
  ProgressReport(std::string what, std::size_t total);
  ~ProgressReport();  // reports the end
  ProgressReport(const ProgressReport&) = delete;
  ProgressReport& operator=(const ProgressReport&) = delete;

  void advance(std::size_t n = 1);  // n more items done; thread-safe

 private:
  std::string what_;
  std::size_t total_;
  std::size_t done_ = 0;
  ProgressCallback callback_;
  std::mutex mutex_;
};

}  // namespace mreg
