#include "block_pipeline.h"

#include <utility>

namespace mreg {

BlockPipeline::BlockPipeline(Consume consume, std::size_t depth)
    : consume_(std::move(consume)), depth_(depth), thread_([this] { run(); }) {}

BlockPipeline::~BlockPipeline() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BlockPipeline::throw_if_failed() {
  if (error_) std::rethrow_exception(error_);
}

std::vector<char> BlockPipeline::spare() {
  std::unique_lock<std::mutex> lock(m_);
  cv_.wait(lock, [&] { return waiting_.size() < depth_ || error_; });
  throw_if_failed();
  if (spares_.empty()) return {};
  std::vector<char> block = std::move(spares_.back());
  spares_.pop_back();
  return block;
}

void BlockPipeline::push(std::vector<char>&& block) {
  {
    std::lock_guard<std::mutex> lock(m_);
    throw_if_failed();
    waiting_.push_back(std::move(block));
  }
  cv_.notify_all();
}

void BlockPipeline::drain() {
  std::unique_lock<std::mutex> lock(m_);
  cv_.wait(lock, [&] { return (waiting_.empty() && !consuming_) || error_; });
  throw_if_failed();
}

void BlockPipeline::run() {
  for (;;) {
    std::vector<char> block;
    {
      std::unique_lock<std::mutex> lock(m_);
      cv_.wait(lock, [&] { return stop_ || !waiting_.empty(); });
      if (stop_) return;
      block = std::move(waiting_.front());
      waiting_.pop_front();
      consuming_ = true;
    }
    std::exception_ptr failed;
    try {
      consume_(block);
    } catch (...) {
      failed = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(m_);
      consuming_ = false;
      if (failed) {
        error_ = failed;
        waiting_.clear();  // nothing after a failed block is consumed
      }
      block.clear();
      spares_.push_back(std::move(block));
    }
    cv_.notify_all();
  }
}

}  // namespace mreg
