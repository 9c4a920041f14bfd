#include "mreg/long_running.h"

#include <atomic>

#include "git.h"

namespace mreg {
namespace {

std::atomic<bool> keep{false};

}  // namespace

void keep_read_caches_in_memory() {
  keep = true;
  git::use_small_pack_windows();
}
bool read_caches_in_memory() { return keep; }

}  // namespace mreg
