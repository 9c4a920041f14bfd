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

// The problem of a file of `size` bytes, more than kMaxRegistryFileBytes.
Problem file_too_large(const std::string& path, std::size_t size);

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
