// A problem found in a registry file, reported as `path:line: message`.
#pragma once

#include <string>
#include <vector>

#include "mreg/error.h"

namespace mreg {

struct Problem {
  std::string path;
  int line = 0;  // 1-based; 0 when the problem is about the file as a whole
  std::string message;

  std::string to_string() const;
};

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
