// The "pattern" keywords of a schema, checked with POSIX regular expressions instead of
// valijson's std::regex. libstdc++ compiles each bracket expression of a std::regex in tens of
// microseconds and a bounded repeat in hundreds, so the patterns of one schema cost a short
// command milliseconds before it read anything; glibc's regcomp takes microseconds.
//
// The schemas' patterns use a subset of ECMAScript that means the same in POSIX extended syntax
// once `\s`, `\d`, `\w` and `.` are spelled out: anchors, bracket expressions, groups,
// alternation and the repeats ? * + {n} {n,m}. Matching is bytewise in the "C" locale, as
// std::regex over std::string was. A pattern outside that subset, or one under oneOf, anyOf,
// allOf or not, is refused when the schema is loaded (an internal error, found by any test).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mreg/types.h"

namespace mreg {

class SchemaPatterns {
 public:
  // Takes the patterns out of `schema` (which valijson then checks without them).
  explicit SchemaPatterns(Json& schema);
  ~SchemaPatterns();
  SchemaPatterns(const SchemaPatterns&) = delete;
  SchemaPatterns& operator=(const SchemaPatterns&) = delete;

  struct Mismatch {
    std::string pointer;  // JSON pointer of the string that does not match
  };
  // The strings of `value` that do not match the pattern the schema gives them.
  std::vector<Mismatch> check(const Json& value) const;

  class Regex;

 private:
  void check(const Json& schema, const Json& value, const std::string& pointer, std::vector<Mismatch>& out) const;
  const Json& resolve(const Json& schema) const;
  bool matches(const std::string& pattern, const std::string& text) const;

  Json schema_;  // the schema with its patterns, walked beside the value
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::unique_ptr<Regex>> regexes_;  // compiled on first use
};

// Does `text` match the ECMAScript `pattern` (of the subset above) as std::regex_search would?
// Compiles the pattern on each call.
bool schema_pattern_search(const std::string& pattern, const std::string& text);

}  // namespace mreg
