// One name looked up in a tree object's raw bytes, without parsing it into entries: libgit2
// parses a whole tree (10,000 entries for models/ at 10,000 models) to find one, where git
// scans the bytes. The scan checks the whole tree as libgit2's parser and lookup would (entry
// syntax, strictly ascending order), and says Unusual for anything else, so that the caller
// asks libgit2 and gets its answer or its error. A large tree can also be kept scanned (each
// entry's offset), for a binary search, and for checking a tree that differs from it in a few
// entries by reading only those.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mreg::git {

struct RawTreeLookup {
  enum Result { Found, NotFound, Unusual } result = Unusual;
  std::uint32_t mode = 0;               // Found: one of 040000 100644 100755 120000 160000
  std::array<unsigned char, 20> id{};   // Found
};

RawTreeLookup find_in_raw_tree(const char* data, std::size_t size, std::string_view name);

// A tree whose bytes were checked in full as find_in_raw_tree checks them, with where each
// entry starts: any name is then found by a binary search, and a tree that differs from it in
// a few entries (the models/ tree of the next commit) is checked by reading only those and
// comparing the rest as bytes.
struct ScannedTree {
  const char* data = nullptr;  // kept alive by whoever keeps this
  std::size_t size = 0;
  std::vector<std::uint32_t> starts;  // each entry's offset, ascending
};

// False for a tree find_in_raw_tree calls Unusual (nothing is then written to `out`).
bool scan_raw_tree(const char* data, std::size_t size, ScannedTree* out);

// Where two trees differ: the known tree's entries [first, known_after) became the new tree's
// [first, new_after); the entries before are the same, and so are those after, in order.
struct TreeDifference {
  std::size_t first = 0, known_after = 0, new_after = 0;
};

// scan_raw_tree of a tree like `known`: the same verdict and starts, with the entries whose
// bytes differ read and the others taken from `known` (anything else is scanned in full, and
// the difference is then all of both).
bool scan_raw_tree_like(const ScannedTree& known, const char* data, std::size_t size, ScannedTree* out,
                        TreeDifference* difference = nullptr);

struct RawEntry {
  std::uint32_t mode = 0;
  std::string_view name;
  const unsigned char* id = nullptr;  // 20 bytes
};
RawEntry raw_entry(const ScannedTree& tree, std::size_t index);

// find_in_raw_tree's answer for a scanned tree, by binary search.
RawTreeLookup lookup_in_scanned_tree(const ScannedTree& tree, std::string_view name);

}  // namespace mreg::git
