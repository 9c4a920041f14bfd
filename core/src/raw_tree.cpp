#include "raw_tree.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace mreg::git {
namespace {

#if defined(__GNUC__)
#define HOT inline __attribute__((always_inline))
#else
#define HOT inline
#endif

// The scan reads a tree of 10,000 entries several times per deploy-gate run, so the common
// entries take word-at-a-time paths; every entry is still checked in full.

HOT std::uint64_t load8(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// The first n bytes of s as load8 would read them, and a mask of those bytes: compares a
// prefix without depending on the machine's byte order.
std::uint64_t bytes_of(const char* s, std::size_t n) {
  std::uint64_t v = 0;
  std::memcpy(&v, s, n);
  return v;
}
const std::uint64_t kTreeMode = bytes_of("40000 ", 6), kTreeMask = bytes_of("\xff\xff\xff\xff\xff\xff", 6);
const std::uint64_t kBlobMode = bytes_of("100644 ", 7), kBlobMask = bytes_of("\xff\xff\xff\xff\xff\xff\xff", 7);

constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
constexpr std::uint64_t kSlashes = kOnes * static_cast<unsigned char>('/');
// The high bit of every zero byte of v; bytes after the first zero byte may be flagged wrongly,
// the first one never is.
HOT std::uint64_t zero_bytes(std::uint64_t v) { return (v - kOnes) & ~v & kHighs; }

// The first NUL or '/' at or after p, or end.
HOT const char* name_end(const char* p, const char* end) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; end - p >= 8; p += 8) {
    const std::uint64_t v = load8(p);
    if (const std::uint64_t hits = zero_bytes(v) | zero_bytes(v ^ kSlashes))
      return p + (__builtin_ctzll(hits) >> 3);
  }
#endif
  while (p < end && *p != 0 && *p != '/') ++p;
  return p;
}

// memcmp of n bytes, eight at a time where the bytes can be compared as big-endian words.
// `padded`: both sides may be read up to 7 bytes past n (names inside a tree, which the
// entry's NUL and id follow), so the last few bytes are one masked word too.
HOT int compare_bytes(const char* a, const char* b, std::size_t n, bool padded) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; n >= 8; a += 8, b += 8, n -= 8) {
    const std::uint64_t x = load8(a), y = load8(b);
    if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  }
  if (padded && n > 0) {
    const std::uint64_t mask = ~std::uint64_t(0) >> (64 - 8 * n);
    const std::uint64_t x = __builtin_bswap64(load8(a) & mask), y = __builtin_bswap64(load8(b) & mask);
    return x < y ? -1 : x > y ? 1 : 0;
  }
#else
  (void)padded;
#endif
  for (; n > 0; ++a, ++b, --n)
    if (*a != *b) return static_cast<unsigned char>(*a) < static_cast<unsigned char>(*b) ? -1 : 1;
  return 0;
}

// git's order of two entries of one tree: a folder sorts as if its name ended in '/'.
// `padded`: as for compare_bytes (both names inside a tree).
HOT int entry_order(std::string_view a, bool a_tree, std::string_view b, bool b_tree, bool padded = true) {
  const std::size_t common = a.size() < b.size() ? a.size() : b.size();
  if (int c = compare_bytes(a.data(), b.data(), common, padded)) return c;
  const unsigned char ca = a.size() > common ? a[common] : (a_tree ? '/' : 0);
  const unsigned char cb = b.size() > common ? b[common] : (b_tree ? '/' : 0);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

bool usual_mode(std::uint32_t mode) {
  return mode == 040000 || mode == 0100644 || mode == 0100755 || mode == 0120000 || mode == 0160000;
}

// One entry at a time, as find_in_raw_tree reads them: syntax, strict order after the entry
// before, and whether it is the name looked for.
struct EntryScanner {
  EntryScanner(const char* tree_end, std::string_view looked_for) : end(tree_end), name(looked_for) {}
  const char* end;
  std::string_view name;
  std::string_view previous;
  bool previous_tree = false;
  bool has_previous = false;
  // Set at the first entry whose bytes exceed the name's in their common length: in a sorted
  // tree no later entry can be the name, so later entries are only checked.
  bool past_name = false;
  RawTreeLookup out{RawTreeLookup::NotFound, 0, {}};
  std::size_t count = 0;        // entries read
  std::size_t found_index = 0;  // out Found: which of them

  // Reads the entry at p and moves p past it; false for anything git would not write.
  // (Inlined, so that a scan keeps these members in registers.)
  HOT bool read(const char*& p) {
    std::uint32_t mode = 0;
    const std::uint64_t head = end - p >= 8 ? load8(p) : 0;
    if ((head & kTreeMask) == kTreeMode) {
      mode = 040000;
      p += 6;
    } else if ((head & kBlobMask) == kBlobMode) {
      mode = 0100644;
      p += 7;
    } else {
      const char* digits = p;
      while (p < end && *p >= '0' && *p <= '7') mode = mode * 8 + static_cast<std::uint32_t>(*p++ - '0');
      if (p == digits || p - digits > 6 || p >= end || *p != ' ' || !usual_mode(mode)) return false;
      ++p;
    }
    const char* nul = name_end(p, end);
    if (nul == end || *nul != 0 || nul == p || static_cast<std::size_t>(end - nul) < 21) return false;
    const std::string_view entry(p, static_cast<std::size_t>(nul - p));
    const bool tree = mode == 040000;
    if (has_previous && entry_order(previous, previous_tree, entry, tree) >= 0) return false;
    if (!past_name) {
      const std::size_t common = entry.size() < name.size() ? entry.size() : name.size();
      const int c = compare_bytes(entry.data(), name.data(), common, false);
      if (c > 0) {
        past_name = true;
      } else if (c == 0 && entry.size() == name.size()) {
        // A file and a folder of one name are in strict order ("a" < "a.b" < "a/"), yet
        // libgit2 may answer either.
        if (out.result == RawTreeLookup::Found) return false;
        out.result = RawTreeLookup::Found;
        out.mode = mode;
        std::memcpy(out.id.data(), nul + 1, 20);
        found_index = count;
      }
    }
    previous = entry;
    previous_tree = tree;
    has_previous = true;
    ++count;
    p = nul + 21;
    return true;
  }
};

// How many bytes a and b share from the start (forward) or from the end (backward, a and b
// pointing past their last byte), at most n.
std::size_t common_prefix(const char* a, const char* b, std::size_t n) {
  std::size_t i = 0;
  while (n - i >= 256 && std::memcmp(a + i, b + i, 256) == 0) i += 256;
  while (n - i >= 8 && load8(a + i) == load8(b + i)) i += 8;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}
std::size_t common_suffix(const char* a_end, const char* b_end, std::size_t n) {
  std::size_t i = 0;
  while (n - i >= 256 && std::memcmp(a_end - i - 256, b_end - i - 256, 256) == 0) i += 256;
  while (n - i >= 8 && load8(a_end - i - 8) == load8(b_end - i - 8)) i += 8;
  while (i < n && a_end[-1 - static_cast<std::ptrdiff_t>(i)] == b_end[-1 - static_cast<std::ptrdiff_t>(i)]) ++i;
  return i;
}

#undef HOT

}  // namespace

RawTreeLookup find_in_raw_tree(const char* data, std::size_t size, std::string_view name) {
  EntryScanner scan{data + size, name};
  for (const char* p = data; p < data + size;)
    if (!scan.read(p)) return {};
  return scan.out;
}

bool scan_raw_tree(const char* data, std::size_t size, ScannedTree* out) {
  if (size > UINT32_MAX) return false;
  EntryScanner scan{data + size, std::string_view()};
  scan.past_name = true;  // no name is looked for
  // A usual entry takes at least 28 bytes ("40000 x\0" and its id).
  std::vector<std::uint32_t> starts(size / 28 + 1);
  for (const char* p = data; p < data + size;) {
    starts[scan.count] = static_cast<std::uint32_t>(p - data);
    if (!scan.read(p)) return false;
  }
  starts.resize(scan.count);
  out->data = data;
  out->size = size;
  out->starts = std::move(starts);
  return true;
}

bool scan_raw_tree_like(const ScannedTree& known, const char* data, std::size_t size, ScannedTree* out,
                        TreeDifference* difference) {
  const auto full = [&] {
    if (!scan_raw_tree(data, size, out)) return false;
    if (difference) *difference = TreeDifference{0, known.starts.size(), out->starts.size()};
    return true;
  };
  const std::vector<std::uint32_t>& starts = known.starts;
  if (!known.data || starts.empty() || size > UINT32_MAX) return full();
  // The bytes that differ lie between a common prefix and a common suffix; the entries that
  // hold them are read again, from the known entry where the prefix ends to the one where
  // the suffix begins, and the rest is the known tree's entries, moved by the size change.
  const std::size_t limit = known.size < size ? known.size : size;
  const std::size_t prefix = common_prefix(known.data, data, limit);
  const std::size_t suffix = common_suffix(known.data + known.size, data + size, limit - prefix);
  const std::size_t first =
      static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), prefix) - starts.begin()) - 1;
  const std::size_t after = static_cast<std::size_t>(
      std::lower_bound(starts.begin(), starts.end(), static_cast<std::uint32_t>(known.size - suffix)) - starts.begin());
  const std::size_t known_end = after < starts.size() ? starts[after] : known.size;
  const std::size_t end = known_end + size - known.size;  // where entry `after` is in the new tree

  EntryScanner scan{data + size, std::string_view()};
  scan.past_name = true;
  if (first > 0) {
    const RawEntry before = raw_entry(known, first - 1);
    scan.previous = before.name;
    scan.previous_tree = before.mode == 040000;
    scan.has_previous = true;
  }
  std::vector<std::uint32_t> middle;
  const char* p = data + starts[first];
  while (static_cast<std::size_t>(p - data) < end) {
    middle.push_back(static_cast<std::uint32_t>(p - data));
    if (!scan.read(p)) return full();
  }
  if (static_cast<std::size_t>(p - data) != end) return full();
  if (after < starts.size() && scan.has_previous) {
    const RawEntry next = raw_entry(known, after);
    if (entry_order(scan.previous, scan.previous_tree, next.name, next.mode == 040000) >= 0) return full();
  }
  std::vector<std::uint32_t> next_starts(first + middle.size() + (starts.size() - after));
  std::copy(starts.begin(), starts.begin() + static_cast<std::ptrdiff_t>(first), next_starts.begin());
  std::copy(middle.begin(), middle.end(), next_starts.begin() + static_cast<std::ptrdiff_t>(first));
  const std::uint32_t shift = static_cast<std::uint32_t>(size - known.size);  // modulo 2^32, as offsets add
  std::uint32_t* moved = next_starts.data() + first + middle.size();
  for (std::size_t i = after; i < starts.size(); ++i) *moved++ = starts[i] + shift;
  out->data = data;
  out->size = size;
  out->starts = std::move(next_starts);
  if (difference) *difference = TreeDifference{first, after, first + middle.size()};
  return true;
}

RawEntry raw_entry(const ScannedTree& tree, std::size_t index) {
  const char* p = tree.data + tree.starts[index];
  RawEntry e;
  while (*p != ' ') e.mode = e.mode * 8 + static_cast<std::uint32_t>(*p++ - '0');
  ++p;
  e.name = std::string_view(p, std::strlen(p));
  e.id = reinterpret_cast<const unsigned char*>(p + e.name.size() + 1);
  return e;
}

RawTreeLookup lookup_in_scanned_tree(const ScannedTree& tree, std::string_view name) {
  // The entries are in git's order, where a folder's name is compared as if it ended in '/':
  // the name is looked for once as a file and once as a folder.
  RawTreeLookup out{RawTreeLookup::NotFound, 0, {}};
  if (name.empty()) return out;
  for (const bool as_tree : {false, true}) {
    std::size_t lo = 0, hi = tree.starts.size();
    while (lo < hi) {  // the first entry not before the name
      const std::size_t mid = lo + (hi - lo) / 2;
      const RawEntry e = raw_entry(tree, mid);
      if (entry_order(e.name, e.mode == 040000, name, as_tree, false) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo == tree.starts.size()) continue;
    const RawEntry e = raw_entry(tree, lo);
    if (e.name != name || (e.mode == 040000) != as_tree) continue;
    if (out.result == RawTreeLookup::Found) return {};  // a file and a folder of one name
    out.result = RawTreeLookup::Found;
    out.mode = e.mode;
    std::memcpy(out.id.data(), e.id, 20);
  }
  return out;
}

}  // namespace mreg::git
