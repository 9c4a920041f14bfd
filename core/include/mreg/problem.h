// A problem found in a registry file, reported as `path:line: message`.
#pragma once

#include <string>
#include <vector>

#include "mreg/error.h"

namespace mreg {

// The largest file a reader of the registry reads (FORMAT.md): a larger one is a problem.
constexpr std::size_t kMaxRegistryFileBytes = 1024 * 1024;

struct Problem {
  std::string path;
  int line = 0;  // 1-based; 0 when the problem is about the file as a whole
  std::string message;

  std::string to_string() const;
};

// Files read as they are (signatures, allowed_signers) may be larger, up to this: their readers
// judge their content, and no file may make a read hold more than this in memory.
constexpr std::size_t kMaxOtherFileBytes = 64 * 1024 * 1024;

// The problem of a file of `size` bytes, more than `limit`.
Problem file_too_large(const std::string& path, std::size_t size, std::size_t limit = kMaxRegistryFileBytes);

// Thrown when a registry file is malformed or breaks its schema: an Error with
// code INVALID_STATE whose message lists every problem, one per line.
class ManifestError : public Error {
 public:
  explicit ManifestError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  std::vector<Problem> problems_;
};

}  // namespace mreg
