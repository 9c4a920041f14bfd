// A name looked up in a tree's raw bytes (raw_tree.h) finds what libgit2 would, and says
// Unusual, for libgit2 to answer, whenever a tree is not one git itself writes.
#include <catch2/catch.hpp>

#include <string>

#include "raw_tree.h"

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
