// One name looked up in a tree object's raw bytes, without parsing it into entries: libgit2
// parses a whole tree (10,000 entries for models/ at 10,000 models) to find one, where git
// scans the bytes. The scan checks the whole tree as libgit2's parser and lookup would (entry
// syntax, strictly ascending order), and says Unusual for anything else, so that the caller
// asks libgit2 and gets its answer or its error.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mreg::git {

struct RawTreeLookup {
  enum Result { Found, NotFound, Unusual } result = Unusual;
  std::uint32_t mode = 0;               // Found: one of 040000 100644 100755 120000 160000
  std::array<unsigned char, 20> id{};   // Found
};

RawTreeLookup find_in_raw_tree(const char* data, std::size_t size, std::string_view name);

}  // namespace mreg::git
