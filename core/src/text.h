// Small string helpers shared by the core's sources. They live here, not in each file's anonymous
// namespace, because the unity build compiles several sources as one and a name may exist once.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace mreg {

inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

inline std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// The variable's value, "" when it is not set.
inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace mreg
