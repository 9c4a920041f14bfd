#include "progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "mreg/progress.h"

namespace mreg::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Shown {
  Clock::time_point start;
  Clock::time_point last;
  bool on_screen = false;
};

std::chrono::milliseconds delay() {
  const char* env = std::getenv("MREG_PROGRESS_DELAY_MS");
  if (env && *env) {
    char* end = nullptr;
    const long ms = std::strtol(env, &end, 10);
    if (*end == '\0' && ms >= 0) return std::chrono::milliseconds(ms);
  }
  return std::chrono::seconds(1);
}

}  // namespace

void show_progress_on_terminal() {
  if (!isatty(STDERR_FILENO)) return;
  const auto wait = delay();
  auto shown = std::make_shared<Shown>();
  set_progress_callback([shown, wait](const std::string& what, std::size_t done, std::size_t total) {
    const auto now = Clock::now();
    if (done == 0) {
      shown->start = now;
      return;
    }
    if (done >= total) {
      if (shown->on_screen) std::fputs("\r\033[K", stderr);
      shown->on_screen = false;
      return;
    }
    // At most ten updates a second: a terminal that scrolls slowly would slow the read.
    if (now - shown->start < wait || (shown->on_screen && now - shown->last < std::chrono::milliseconds(100))) return;
    std::fprintf(stderr, "\r%s: %zu/%zu", what.c_str(), done, total);
    std::fflush(stderr);
    shown->on_screen = true;
    shown->last = now;
  });
}

}  // namespace mreg::cli
