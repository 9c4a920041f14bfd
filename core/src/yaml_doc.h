// YAML text <-> JSON values. Reading resolves plain scalars by YAML 1.2's core
// schema (so `version: 3` is a number and `experiment_id: "1"` a string) and
// remembers the line of every key, for `path:line:` messages. Writing emits
// mreg's canonical form (FORMAT.md): block style, two-space indent.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "mreg/problem.h"
#include "mreg/types.h"

namespace mreg {

struct YamlDocument {
  Json value;
  std::map<std::string, int> lines;  // JSON pointer ("/tags/team") -> 1-based line

  // The line of `pointer`, or of its nearest ancestor that has one.
  int line_of(std::string pointer) const;
};

// The limits of a registry file, which every reader applies before it reads one (FORMAT.md).
constexpr std::size_t kMaxYamlDepth = 64;

// Throws ManifestError naming `path` and a line when `text` is too large, not UTF-8, or holds
// a NUL byte.
void check_yaml_text(const std::string& text, const std::string& path);

// Throws ManifestError naming `path` and the line on malformed YAML, duplicate keys, anchors or
// aliases, nesting deeper than kMaxYamlDepth, a second document, a number out of range, and
// strings (as decoded: escapes too) that are not UTF-8 or hold NUL.
YamlDocument parse_yaml(const std::string& text, const std::string& path);

// parse_yaml without the fast path (for tests that compare the two).
YamlDocument parse_yaml_with_yaml_cpp(const std::string& text, const std::string& path);

// The fast path of parse_yaml: a reader for the canonical form mreg writes
// (block mappings, plain and double-quoted scalars, flow lists of strings,
// literal blocks). nullopt for anything else, which parse_yaml then reads with
// yaml-cpp; where it answers, it answers exactly as yaml-cpp would.
std::optional<YamlDocument> parse_canonical_yaml(const std::string& text);

// The strings of `value` (keys too) that are not valid UTF-8 or hold NUL: where (a JSON
// pointer) and what is wrong ("the value is not valid UTF-8 (byte 0xFF at offset 3)").
struct TextProblem {
  std::string pointer;
  std::string message;
};
std::vector<TextProblem> text_problems(const Json& value);

// A key as a JSON pointer segment ("~" -> "~0", "/" -> "~1").
std::string pointer_escape(std::string_view key);

// Thrown by resolve_plain for a number that does not fit (1e400, 0xFFFFFFFFFFFFFFFFFF).
struct NumberOutOfRange {};

// A plain scalar's value under YAML 1.2's core schema.
Json resolve_plain(const std::string& s);
// True when `s` written plain reads back as the same string.
bool plain_is_safe(const std::string& s, bool in_flow = false);

// Canonical YAML output.
class YamlWriter {
 public:
  // `key: value` for a string: plain when that reads back as the same string,
  // a literal block for multi-line text, double-quoted otherwise.
  void string(const std::string& key, const std::string& value);
  void integer(const std::string& key, std::int64_t value);
  // `key: [a, b]` for short lists of strings.
  void flow_list(const std::string& key, const std::vector<std::string>& values);
  // A nested mapping of strings (tags), keys in map order; nothing when empty.
  void string_map(const std::string& key, const TagMap& values);
  // Any JSON value (extensions, the MLmodel signature).
  void value(const std::string& key, const Json& value);
  void begin_map(const std::string& key);
  void end_map();

  const std::string& text() const { return out_; }

 private:
  void key(const std::string& k);
  std::string out_;
  int indent_ = 0;
};

// The scalar as it must be written: plain if that is unambiguous, else quoted.
std::string yaml_scalar(const std::string& s, bool in_flow = false);

}  // namespace mreg
