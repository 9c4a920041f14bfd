// Tree objects, which anyone who can push writes: a name looked up in a tree's raw bytes
// (raw_tree.h) gets one answer whichever way the tree is read: in one pass, scanned and
// searched, or scanned like another tree that it differs from in a few entries.
// Input: a name (up to the first NUL), the first tree's length (2 bytes, big-endian), the trees.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "raw_tree.h"

using mreg::git::RawTreeLookup;

namespace {
bool same(const RawTreeLookup& a, const RawTreeLookup& b) {
  return a.result == b.result && (a.result != RawTreeLookup::Found || (a.mode == b.mode && a.id == b.id));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  if (nul == std::string::npos) return 0;
  const std::string name = input.substr(0, nul);
  if (input.size() < nul + 3) return 0;
  const std::string rest = input.substr(nul + 3);
  std::size_t split = static_cast<unsigned char>(input[nul + 1]) * 256u + static_cast<unsigned char>(input[nul + 2]);
  if (split > rest.size()) split = rest.size();
  // Buffers of their own, exactly as long, so that a read past either end is the sanitizer's to see.
  const std::vector<char> first(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(split)),
      second(rest.begin() + static_cast<std::ptrdiff_t>(split), rest.end());
  for (const std::vector<char>* each : {&first, &second}) {
    const std::vector<char>& tree = *each;
    const RawTreeLookup direct = mreg::git::find_in_raw_tree(tree.data(), tree.size(), name);
    mreg::git::ScannedTree scanned;
    const bool usual = mreg::git::scan_raw_tree(tree.data(), tree.size(), &scanned);
    // A tree git would write (a name is Unusual also when a file and a folder share it).
    const bool usual_direct = mreg::git::find_in_raw_tree(tree.data(), tree.size(), "").result != RawTreeLookup::Unusual;
    if (usual != usual_direct) __builtin_trap();
    if (usual && !name.empty() && name.find('/') == std::string::npos &&
        !same(direct, mreg::git::lookup_in_scanned_tree(scanned, name)))
      __builtin_trap();
  }
  mreg::git::ScannedTree known, like, whole;
  if (!mreg::git::scan_raw_tree(first.data(), first.size(), &known)) return 0;
  mreg::git::TreeDifference difference;
  const bool usual = mreg::git::scan_raw_tree_like(known, second.data(), second.size(), &like, &difference);
  if (usual != mreg::git::scan_raw_tree(second.data(), second.size(), &whole)) __builtin_trap();
  if (!usual) return 0;
  if (like.starts != whole.starts) __builtin_trap();
  if (difference.first > difference.known_after || difference.known_after > known.starts.size() ||
      difference.new_after > like.starts.size() ||
      known.starts.size() - difference.known_after != like.starts.size() - difference.new_after)
    __builtin_trap();
  return 0;
}
