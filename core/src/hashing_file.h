// A new file being written, with the hash of the bytes that land in it: the
// hash is taken from what is written, so what is checked is what is deployed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "block_pipeline.h"
#include "mreg/model_source.h"
#include "mreg/content_hash.h"

namespace mreg {

class HashingFile : public FileSink {
 public:
  // Creates path (it must not exist) with mode (before the umask), hashed with `algorithm`.
  // `written` is told each block of bytes written, for progress.
  HashingFile(const std::string& path, unsigned mode, DigestAlgorithm algorithm,
              std::function<void(std::uint64_t)> written);
  ~HashingFile() override;  // closes; the file stays (its folder is removed on failure)
  HashingFile(const HashingFile&) = delete;
  HashingFile& operator=(const HashingFile&) = delete;

  // Bytes from a stream: gathered into blocks that a thread of the file's own hashes and
  // writes while the next block arrives.
  void write(const char* data, std::size_t n) override;
  // copy_file_range in the kernel, with the copy's bytes read back and hashed on a
  // second thread one block behind: two cores hash and copy at the same time.
  void copy_from(int fd) override;

  // Writes what is buffered and closes: the hex hash of the file.
  std::string finish();
  std::uint64_t bytes() const { return bytes_ + buffer_.size(); }  // written or buffered

 private:
  void flush();  // everything written and hashed
  void hand_off();  // the full buffer to the pipeline
  void consume(const char* data, std::size_t n);  // hash, write, report
  void write_all(const char* data, std::size_t n);
  void copy_by_reading(int fd);

  std::string path_;
  int fd_ = -1;
  ContentHash hash_;
  std::vector<char> buffer_;
  std::uint64_t bytes_ = 0;
  std::function<void(std::uint64_t)> written_;
  std::unique_ptr<BlockPipeline> pipeline_;  // after what its thread uses
};

}  // namespace mreg
