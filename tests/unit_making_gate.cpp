// The server's making gate lets at most `slots` requests make answers at once, and every
// request in at last (a leave that woke the wrong waiter would leave this test hanging).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "page_cache.h"

using mreg::server::MakingGate;

TEST_CASE("the making gate admits at most its slots at once, and everyone in the end", "[making_gate]") {
  const std::size_t slots = GENERATE(1, 2, 3);
  MakingGate gate(slots);
  std::atomic<int> inside{0}, most{0}, done{0};
  // More threads than the gate's variables, so that waiters share them.
  constexpr int kThreads = 100, kRounds = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        gate.enter();
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --inside;
        gate.leave();
      }
      ++done;
    });
  for (auto& t : threads) t.join();
  CHECK(done == kThreads);
  CHECK(most <= static_cast<int>(slots));
  CHECK(most >= 1);
}
