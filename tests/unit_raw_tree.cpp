// A name looked up in a tree's raw bytes (raw_tree.h) finds what libgit2 would, and says
// Unusual, for libgit2 to answer, whenever a tree is not one git itself writes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "git.h"
#include "raw_tree.h"
#include "support/unit_temp_dir.h"

namespace {

using mreg::git::find_in_raw_tree;
using mreg::git::RawTreeLookup;

std::string entry(const std::string& mode, const std::string& name, unsigned char id) {
  return mode + " " + name + std::string(1, '\0') + std::string(20, static_cast<char>(id));
}

RawTreeLookup::Result lookup(const std::string& tree, const std::string& name) {
  return find_in_raw_tree(tree.data(), tree.size(), name).result;
}

}  // namespace

TEST_CASE("a name is found in a tree's raw bytes with its mode and id", "[raw-tree]") {
  // git's order: the folder "a" sorts as "a/", after "a-b" and "a.c".
  const std::string tree = entry("100644", "a-b", 1) + entry("100644", "a.c", 2) + entry("40000", "a", 3) +
                           entry("160000", "b", 4) + entry("120000", "c", 5) + entry("100755", "d", 6);
  const auto a = find_in_raw_tree(tree.data(), tree.size(), "a");
  REQUIRE(a.result == RawTreeLookup::Found);
  CHECK(a.mode == 040000);
  CHECK(a.id[0] == 3);
  CHECK(find_in_raw_tree(tree.data(), tree.size(), "b").mode == 0160000);
  CHECK(find_in_raw_tree(tree.data(), tree.size(), "d").id[19] == 6);
  CHECK(lookup(tree, "e") == RawTreeLookup::NotFound);
  CHECK(lookup(tree, "a-") == RawTreeLookup::NotFound);
  CHECK(lookup("", "a") == RawTreeLookup::NotFound);
}

TEST_CASE("a tree git would not write is left to libgit2", "[raw-tree]") {
  const std::string b = entry("100644", "b", 1);
  const std::string a = entry("100644", "a", 2);
  CHECK(lookup(b + a, "a") == RawTreeLookup::Unusual);                          // out of order
  CHECK(lookup(a + a, "a") == RawTreeLookup::Unusual);                          // twice
  CHECK(lookup(entry("100664", "a", 1), "a") == RawTreeLookup::Unusual);        // an old mode
  CHECK(lookup(entry("100644", "x/y", 1), "x") == RawTreeLookup::Unusual);      // a slash in a name
  CHECK(lookup(a.substr(0, a.size() - 1), "a") == RawTreeLookup::Unusual);      // cut short
  CHECK(lookup("100644a" + a.substr(6), "a") == RawTreeLookup::Unusual);        // no space after the mode
  CHECK(lookup(entry("100644", "", 1), "a") == RawTreeLookup::Unusual);         // an empty name
  CHECK(lookup(a + entry("100644", "z", 1) + "garbage", "a") == RawTreeLookup::Unusual);  // past the last entry
}

TEST_CASE("a file and a folder of one name are left to libgit2", "[raw-tree]") {
  const std::string tree = entry("100644", "a", 1) + entry("100644", "a.b", 2) + entry("40000", "a", 3);
  CHECK(lookup(tree, "a") == RawTreeLookup::Unusual);
  CHECK(lookup(tree.substr(0, tree.size() - entry("40000", "a", 3).size()), "a") == RawTreeLookup::Found);
}

namespace {

// The plain entry-by-entry scan that the word-at-a-time one must agree with.
RawTreeLookup reference_lookup(const std::string& tree, const std::string& name) {
  auto order = [](const std::string& a, bool at, const std::string& b, bool bt) {
    const std::string x = a + (at ? "/" : ""), y = b + (bt ? "/" : "");
    return x < y ? -1 : x > y ? 1 : 0;
  };
  RawTreeLookup out;
  out.result = RawTreeLookup::NotFound;
  std::size_t p = 0;
  std::string previous;
  bool previous_tree = false, first = true;
  while (p < tree.size()) {
    const std::size_t space = tree.find(' ', p);
    if (space == std::string::npos || space == p || space - p > 6) return {};
    std::uint32_t mode = 0;
    for (std::size_t i = p; i < space; ++i) {
      if (tree[i] < '0' || tree[i] > '7') return {};
      mode = mode * 8 + static_cast<std::uint32_t>(tree[i] - '0');
    }
    if (mode != 040000 && mode != 0100644 && mode != 0100755 && mode != 0120000 && mode != 0160000) return {};
    const std::size_t nul = tree.find('\0', space + 1);
    if (nul == std::string::npos || nul == space + 1 || tree.size() - nul < 21) return {};
    const std::string entry_name = tree.substr(space + 1, nul - space - 1);
    if (entry_name.find('/') != std::string::npos) return {};
    const bool is_tree = mode == 040000;
    if (!first && order(previous, previous_tree, entry_name, is_tree) >= 0) return {};
    if (entry_name == name) {
      if (out.result == RawTreeLookup::Found) return {};
      out.result = RawTreeLookup::Found;
      out.mode = mode;
      std::memcpy(out.id.data(), tree.data() + nul + 1, 20);
    }
    previous = entry_name;
    previous_tree = is_tree;
    first = false;
    p = nul + 21;
  }
  return out;
}

}  // namespace

TEST_CASE("the word-at-a-time scan agrees with a plain scan on sorted, shuffled and damaged trees", "[raw-tree]") {
  std::mt19937 random(7);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  const std::vector<std::string> modes = {"40000", "100644", "100755", "120000", "160000", "100664", "040000", "7"};
  const std::string alphabet = "ab-._0123456789model";
  for (int round = 0; round < 3000; ++round) {
    // Names that share long prefixes, as model-00001 and model-00002 do, and cross 8-byte words.
    std::vector<std::pair<std::string, std::string>> entries;
    const std::size_t count = 1 + pick(12);
    for (std::size_t i = 0; i < count; ++i) {
      std::string name = pick(2) ? "model-0000" : "";
      for (std::size_t k = 1 + pick(14); k > 0; --k) name += alphabet[pick(alphabet.size())];
      entries.emplace_back(modes[pick(3) ? pick(2) : pick(modes.size())], name);
    }
    if (pick(4)) {
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.second + (a.first == "40000" ? "/" : "") < b.second + (b.first == "40000" ? "/" : "");
      });
    }
    std::string tree;
    for (std::size_t i = 0; i < entries.size(); ++i)
      tree += entry(entries[i].first, entries[i].second, static_cast<unsigned char>(i + 1));
    switch (pick(8)) {  // damage some
      case 0: tree[pick(tree.size())] = '/'; break;
      case 1: tree[pick(tree.size())] = '\0'; break;
      case 2: tree.resize(pick(tree.size())); break;
      case 3: tree[pick(tree.size())] = ' '; break;
      default: break;
    }
    const std::string name = pick(3) ? entries[pick(entries.size())].second : std::string("model-0000") + alphabet[pick(10)];
    const auto expected = reference_lookup(tree, name);
    const auto got = find_in_raw_tree(tree.data(), tree.size(), name);
    INFO("round " << round << ", name " << name);
    REQUIRE(got.result == expected.result);
    if (got.result == RawTreeLookup::Found) {
      CHECK(got.mode == expected.mode);
      CHECK(got.id == expected.id);
    }
  }
}

namespace {

// What a scanned tree answers for a name, and the answer of a plain scan, agree.
void check_lookups(const mreg::git::ScannedTree& scanned, const std::string& tree, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const auto expected = reference_lookup(tree, name);
    const auto got = mreg::git::lookup_in_scanned_tree(scanned, name);
    INFO("name " << name);
    REQUIRE(got.result == expected.result);
    if (got.result == RawTreeLookup::Found) {
      CHECK(got.mode == expected.mode);
      CHECK(got.id == expected.id);
    }
  }
}

}  // namespace

TEST_CASE("a tree like one already scanned is scanned as a whole scan would, and says what differs", "[raw-tree]") {
  std::mt19937 random(11);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  const std::vector<std::string> modes = {"40000", "100644"};
  auto name_of = [&] { return "model-" + std::to_string(10000 + pick(60)); };
  auto sorted_tree = [&](std::vector<std::tuple<std::string, std::string, unsigned char>> entries) {
    auto key = [](const auto& e) { return std::get<1>(e) + (std::get<0>(e) == "40000" ? "/" : ""); };
    std::sort(entries.begin(), entries.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
    entries.erase(std::unique(entries.begin(), entries.end(), [&](const auto& a, const auto& b) { return key(a) == key(b); }),
                  entries.end());
    std::string tree;
    for (const auto& [mode, name, id] : entries) tree += entry(mode, name, id);
    return std::make_pair(tree, entries);
  };
  for (int round = 0; round < 400; ++round) {
    // A models/ tree, then a chain of trees that each differ from the one before as commits do:
    // a folder changed, added or removed, and now and then bytes no commit would write.
    std::vector<std::tuple<std::string, std::string, unsigned char>> entries;
    for (std::size_t i = 0, n = pick(40); i < n; ++i) entries.emplace_back(modes[pick(8) == 0], name_of(), 1);
    auto [tree, kept] = sorted_tree(entries);
    mreg::git::ScannedTree known;
    std::string known_bytes = tree;
    REQUIRE(mreg::git::scan_raw_tree(known_bytes.data(), known_bytes.size(), &known));
    for (int step = 0; step < 6; ++step) {
      auto next = kept;
      switch (pick(4)) {
        case 0: if (!next.empty()) std::get<2>(next[pick(next.size())]) = static_cast<unsigned char>(pick(256)); break;
        case 1: next.emplace_back(modes[pick(8) == 0], name_of(), 7); break;
        case 2: if (!next.empty()) next.erase(next.begin() + static_cast<std::ptrdiff_t>(pick(next.size()))); break;
        default: break;
      }
      auto [next_tree, next_kept] = sorted_tree(next);
      if (pick(6) == 0 && !next_tree.empty()) {  // damage: out of order, a slash, cut short
        switch (pick(3)) {
          case 0: next_tree = next_tree.substr(next_tree.size() / 2) + next_tree.substr(0, next_tree.size() / 2); break;
          case 1: next_tree[pick(next_tree.size())] = '/'; break;
          default: next_tree.resize(pick(next_tree.size())); break;
        }
      }
      INFO("round " << round << " step " << step);
      mreg::git::ScannedTree scanned, fresh;
      mreg::git::TreeDifference difference;
      const bool usual = mreg::git::scan_raw_tree_like(known, next_tree.data(), next_tree.size(), &scanned, &difference);
      REQUIRE(usual == mreg::git::scan_raw_tree(next_tree.data(), next_tree.size(), &fresh));
      REQUIRE(usual == (reference_lookup(next_tree, "x").result != RawTreeLookup::Unusual));
      if (!usual) break;
      REQUIRE(scanned.starts == fresh.starts);
      const std::string first_name = next_kept.empty() ? "a" : std::get<1>(next_kept.front());
      check_lookups(scanned, next_tree, {name_of(), name_of(), first_name, "model-1"});
      // Outside the difference, the entries are the known tree's, in order.
      REQUIRE(difference.first <= difference.known_after);
      REQUIRE(difference.known_after <= known.starts.size());
      REQUIRE(difference.new_after <= scanned.starts.size());
      REQUIRE(known.starts.size() - difference.known_after == scanned.starts.size() - difference.new_after);
      auto same = [&](std::size_t i, std::size_t j) {
        const auto a = mreg::git::raw_entry(known, i), b = mreg::git::raw_entry(scanned, j);
        return a.name == b.name && a.mode == b.mode && std::memcmp(a.id, b.id, 20) == 0;
      };
      for (std::size_t i = 0; i < difference.first; ++i) CHECK(same(i, i));
      for (std::size_t i = difference.known_after, j = difference.new_after; i < known.starts.size(); ++i, ++j)
        CHECK(same(i, j));
      known_bytes = next_tree;
      known = scanned;
      known.data = known_bytes.data();
      kept = next_kept;
    }
  }
}

TEST_CASE("a tree like a known one is still checked where its entries fall differently", "[raw-tree]") {
  using mreg::git::ScannedTree;
  const std::string a = entry("40000", "a", 1), b = entry("40000", "b", 1), c = entry("40000", "c", 9);
  const std::string known_bytes = a + b + c;
  ScannedTree known;
  REQUIRE(mreg::git::scan_raw_tree(known_bytes.data(), known_bytes.size(), &known));
  auto like = [&](const ScannedTree& base, const std::string& tree, const std::string& name) {
    ScannedTree scanned;
    if (!mreg::git::scan_raw_tree_like(base, tree.data(), tree.size(), &scanned)) return RawTreeLookup::Unusual;
    return mreg::git::lookup_in_scanned_tree(scanned, name).result;
  };
  // One entry whose name swallows the next entry's bytes: "b40000 c" ends as c did.
  CHECK(like(known, a + entry("40000", std::string("b40000 c"), 9), "c") == RawTreeLookup::NotFound);
  // An entry added in the middle but after the one that follows it.
  ScannedTree known_ac;
  const std::string c_file = entry("100644", "c", 9), ac = a + c_file;
  REQUIRE(mreg::git::scan_raw_tree(ac.data(), ac.size(), &known_ac));
  CHECK(like(known_ac, a + entry("40000", "d", 9) + c_file, "d") == RawTreeLookup::Unusual);
  // An entry added in the middle but before the one that precedes it.
  ScannedTree known_bd;
  const std::string d = entry("40000", "d", 9), bd = b + d;
  REQUIRE(mreg::git::scan_raw_tree(bd.data(), bd.size(), &known_bd));
  CHECK(like(known_bd, b + a + d, "a") == RawTreeLookup::Unusual);
  CHECK(like(known_bd, a + b + d, "a") == RawTreeLookup::Found);
  // The same tree, and one folder changed.
  CHECK(like(known, known_bytes, "c") == RawTreeLookup::Found);
  CHECK(like(known, a + entry("40000", "b", 5) + c, "b") == RawTreeLookup::Found);
  // A file and a folder of one name: found by neither.
  const std::string both = entry("100644", "a", 1) + entry("100644", "a.b", 2) + entry("40000", "a", 3);
  ScannedTree scanned_both;
  REQUIRE(mreg::git::scan_raw_tree(both.data(), both.size(), &scanned_both));
  CHECK(mreg::git::lookup_in_scanned_tree(scanned_both, "a").result == RawTreeLookup::Unusual);
  CHECK(mreg::git::lookup_in_scanned_tree(scanned_both, "a.b").result == RawTreeLookup::Found);
}

// The same through the repository layer, on trees large enough to be kept scanned (git.h):
// lookups and the entries two trees differ in are libgit2's answers, however the trees follow
// one another.
TEST_CASE("tree lookups and differences of large trees read as libgit2 reads them", "[raw-tree]") {
  namespace fs = std::filesystem;
  unit::TempDir t;
  const std::string git_dir = (t.dir / "r.git").string();
  auto repo = mreg::git::Repository::init(git_dir, true);
  const std::string blob_a = repo.write_blob("a\n").hex(), blob_b = repo.write_blob("b\n").hex();
  auto mktree = [&](const std::string& listing) {
    const fs::path in = t.dir / "listing", out = t.dir / "tree";
    std::ofstream(in) << listing;
    const std::string command = "git --git-dir='" + git_dir + "' mktree < '" + in.string() + "' > '" + out.string() + "'";
    REQUIRE(std::system(command.c_str()) == 0);
    std::string hex;
    std::ifstream(out) >> hex;
    return mreg::git::Oid::from_hex(hex);
  };
  const std::string empty_tree = mktree("").hex();
  // 900 folders (about 30 KB), then variants: a folder changed, removed, added; a file beside them.
  auto listing = [&](int changed, int removed, int added) {
    std::string text;
    for (int i = 0; i < 900 + (added >= 0); ++i) {
      const int n = i < 900 ? i : added;
      if (n == removed) continue;
      char name[32];
      std::snprintf(name, sizeof name, "model-%05d", n);
      text += n == changed ? "100644 blob " + blob_b + "\t" + name + "\n" : "040000 tree " + empty_tree + "\t" + name + "\n";
    }
    return text + "100644 blob " + blob_a + "\tmreg.yaml\n";
  };
  const mreg::git::Oid base = mktree(listing(-1, -1, -1));
  const std::vector<mreg::git::Oid> variants = {mktree(listing(17, -1, -1)), mktree(listing(-1, 450, -1)),
                                                mktree(listing(-1, -1, 950)), mktree(listing(899, 0, 901)), base};
  auto libgit2_entries = [&](const mreg::git::Oid& tree) {
    std::map<std::string, mreg::git::TreeEntry> out;
    for (auto& e : repo.read_tree(tree)) out.emplace(e.name, e);
    return out;
  };
  for (const auto& a : variants) {
    for (const auto& b : variants) {
      const auto before = libgit2_entries(a), after = libgit2_entries(b);
      std::set<std::string> expected;
      for (const auto& [name, e] : before)
        if (!after.count(name) || after.at(name).oid != e.oid || after.at(name).mode != e.mode) expected.insert(name);
      for (const auto& [name, e] : after)
        if (!before.count(name)) expected.insert(name);
      std::set<std::string> got;
      for (const auto& c : repo.changed_entries(a, b)) {
        got.insert(c.name);
        CHECK((c.before.has_value() == (before.count(c.name) == 1)));
        CHECK((c.after.has_value() == (after.count(c.name) == 1)));
        if (c.after) CHECK(c.after->oid == after.at(c.name).oid);
      }
      CHECK(got == expected);
      for (const std::string name : {"model-00017", "model-00450", "model-00950", "model-00000", "mreg.yaml", "nothing"}) {
        const auto found = repo.tree_entry(b, name);
        REQUIRE(found.has_value() == (after.count(name) == 1));
        if (found) {
          CHECK(found->oid == after.at(name).oid);
          CHECK(found->mode == after.at(name).mode);
          CHECK(found->type == after.at(name).type);
        }
      }
    }
  }
}
