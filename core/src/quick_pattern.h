// A schema "pattern" matched without compiling anything: a backtracking search over the pattern
// parsed into a few nodes. It takes a narrower subset than schema_patterns.h (anchors, literal
// characters, escaped punctuation, '.', \d, \w, \s and their negations, bracket expressions
// with ranges and negation, groups, alternation, and the repeats ? * + {n} {n,} {n,m}), for which the
// existence of a match is the same as std::regex_search's answer. The generated schema checks
// (schema_checks.h) use it; a pattern outside the subset is never given to it.
#pragma once

#include <bitset>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mreg {

class QuickPattern {
 public:
  // The pattern parsed, or nullopt when it is outside the subset.
  static std::optional<QuickPattern> parse(const std::string& pattern);
  // Throws std::logic_error for a pattern outside the subset.
  explicit QuickPattern(const char* pattern);

  // Does some substring of `text` match (ECMAScript regex_search, bytewise)?
  bool search(const std::string& text) const;

  struct Node;
  using Sequence = std::vector<Node>;
  struct Node {
    enum Kind { Set, Begin, End, Group } kind = Set;
    std::bitset<256> set;                  // Set: the bytes it takes
    std::vector<Sequence> alternatives;    // Group
    int min = 1, max = 1;                  // repeat; max -1: unbounded
  };

 private:
  QuickPattern() = default;
  Sequence top_;
};

}  // namespace mreg
