#include "raw_tree.h"

#include <cstring>

namespace mreg::git {
namespace {

// git's order of tree entries: a folder sorts as if its name ended in '/'.
int entry_order(std::string_view a, bool a_tree, std::string_view b, bool b_tree) {
  const std::size_t common = a.size() < b.size() ? a.size() : b.size();
  if (int c = std::memcmp(a.data(), b.data(), common)) return c;
  const unsigned char ca = a.size() > common ? a[common] : (a_tree ? '/' : 0);
  const unsigned char cb = b.size() > common ? b[common] : (b_tree ? '/' : 0);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

bool usual_mode(std::uint32_t mode) {
  return mode == 040000 || mode == 0100644 || mode == 0100755 || mode == 0120000 || mode == 0160000;
}

}  // namespace

RawTreeLookup find_in_raw_tree(const char* data, std::size_t size, std::string_view name) {
  RawTreeLookup out;
  out.result = RawTreeLookup::NotFound;
  const char* p = data;
  const char* end = data + size;
  std::string_view previous;
  bool previous_tree = false;
  bool first = true;
  while (p < end) {
    std::uint32_t mode = 0;
    const char* digits = p;
    while (p < end && *p >= '0' && *p <= '7') mode = mode * 8 + static_cast<std::uint32_t>(*p++ - '0');
    if (p == digits || p - digits > 6 || p >= end || *p != ' ') return {};
    ++p;
    const char* nul = static_cast<const char*>(std::memchr(p, 0, static_cast<std::size_t>(end - p)));
    if (!nul || nul == p || static_cast<std::size_t>(end - nul) < 21) return {};
    const std::string_view entry(p, static_cast<std::size_t>(nul - p));
    if (entry.find('/') != std::string_view::npos || !usual_mode(mode)) return {};
    const bool tree = mode == 040000;
    if (!first && entry_order(previous, previous_tree, entry, tree) >= 0) return {};
    if (entry == name) {
      if (out.result == RawTreeLookup::Found) return {};
      out.result = RawTreeLookup::Found;
      out.mode = mode;
      std::memcpy(out.id.data(), nul + 1, 20);
    }
    previous = entry;
    previous_tree = tree;
    first = false;
    p = nul + 21;
  }
  return out;
}

}  // namespace mreg::git
