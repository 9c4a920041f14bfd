// Blocks handed to a thread of their own and consumed there in the order given: the thread
// that fills them (reading a socket) goes on while the previous block is hashed and written.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mreg {

class BlockPipeline {
 public:
  using Consume = std::function<void(const std::vector<char>&)>;
  // At most `depth` blocks wait at a time; spare() waits for room beyond that.
  BlockPipeline(Consume consume, std::size_t depth);
  ~BlockPipeline();  // blocks still waiting are dropped
  BlockPipeline(const BlockPipeline&) = delete;
  BlockPipeline& operator=(const BlockPipeline&) = delete;

  // An empty block to fill (one the consumer is done with when there is one).
  // Throws what the consumer threw.
  std::vector<char> spare();
  void push(std::vector<char>&& block);  // throws what the consumer threw
  // Returns when every block pushed has been consumed; throws what the consumer threw.
  void drain();

 private:
  void run();
  void throw_if_failed();  // with m_ held

  Consume consume_;
  std::size_t depth_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::vector<char>> waiting_;
  std::vector<std::vector<char>> spares_;
  bool consuming_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: it starts once the rest is built
};

}  // namespace mreg
