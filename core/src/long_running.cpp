#include "mreg/long_running.h"

#include <atomic>

namespace mreg {
namespace {

std::atomic<bool> keep{false};

}  // namespace

void keep_read_caches_in_memory() { keep = true; }
bool read_caches_in_memory() { return keep; }

}  // namespace mreg
