#include "mreg/problem.h"

namespace mreg {
namespace {
std::string join(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.to_string();
  }
  return out;
}
}  // namespace

std::string Problem::to_string() const {
  return path + ":" + std::to_string(line > 0 ? line : 1) + ": " + message;
}

ManifestError::ManifestError(std::vector<Problem> problems)
    : Error(ErrorCode::INVALID_STATE, join(problems)), problems_(std::move(problems)) {}

Problem file_too_large(const std::string& path, std::size_t size, std::size_t limit) {
  return {path, 0, "the file is " + std::to_string(size) + " bytes; registry files hold at most " +
                       std::to_string(limit) + " bytes"};
}

}  // namespace mreg
