#include "yaml_doc.h"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <sstream>

#include "mreg/problem.h"
#include "mreg/utf8.h"
#include "text.h"

namespace mreg {
std::string pointer_escape(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

namespace {


// [-+]?[0-9]+
bool is_int(const std::string& s) {
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i)
    if (!is_ascii_digit(s[i])) return false;
  return true;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float(const std::string& s) {
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_ascii_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_ascii_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && is_ascii_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// A decimal number that must be finite: 1e400 is refused rather than read as infinity.
double to_double(const std::string& s) {
  errno = 0;
  const double d = std::strtod(s.c_str(), nullptr);
  if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) throw NumberOutOfRange();
  return d;
}

}  // namespace

// YAML 1.2 core schema resolution of a plain scalar.
Json resolve_plain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char c = s[0];
  if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.'))
    return s;
  if (is_int(s)) {
    errno = 0;
    const long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno != ERANGE) return static_cast<std::int64_t>(v);
    return to_double(s);
  }
  {
    const std::string body = (c == '-' || c == '+') ? s.substr(1) : s;
    if (body == ".inf" || body == ".Inf" || body == ".INF")
      return (c == '-' ? -1 : 1) * std::numeric_limits<double>::infinity();
    if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  }
  // 0x[0-9a-fA-F]+ and 0o[0-7]+; anything else after the prefix is text.
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    const char* digits = s[1] == 'x' ? "0123456789abcdefABCDEF" : "01234567";
    if (s.find_first_not_of(digits, 2) != std::string::npos) return s;
    errno = 0;
    const unsigned long long v = std::strtoull(s.c_str() + 2, nullptr, s[1] == 'x' ? 16 : 8);
    if (errno == ERANGE || v > static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max()))
      throw NumberOutOfRange();
    return static_cast<std::int64_t>(v);
  }
  if (is_float(s)) return to_double(s);
  return s;
}

namespace {

// Builds the JSON value from yaml-cpp's parse events rather than from YAML::Load, so that the
// limits hold while the file is read: no anchors or aliases (a few hundred bytes of aliases
// expand to gigabytes), no nesting deeper than kMaxYamlDepth, one document per file.
class Builder : public YAML::EventHandler {
 public:
  Builder(const std::string& path, std::map<std::string, int>& lines) : path_(path), lines_(lines) {}

  Json value = nullptr;
  std::vector<Problem> problems;
  int documents = 0;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents > 1)
      fail(mark, "a second YAML document ('---'); a registry file holds exactly one");
  }
  void OnDocumentEnd() override {}
  void OnAnchor(const YAML::Mark& mark, const std::string&) override { no_anchors(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { no_anchors(mark); }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor != YAML::NullAnchor) no_anchors(mark);
    if (key_expected()) return bad_key(mark);
    deliver(nullptr, mark);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    if (anchor != YAML::NullAnchor) no_anchors(mark);
    if (key_expected()) {
      Frame& f = stack_.back();
      f.key = text;
      f.key_line = mark.line + 1;
      f.has_key = true;
      f.skip = f.value.contains(text);
      if (f.skip) problems.push_back({path_, f.key_line, "duplicate key '" + text + "'"});
      return;
    }
    // "!" marks a quoted or block scalar: always a string.
    if (tag == "!") return deliver(text, mark);
    Json v;
    try {
      v = resolve_plain(text);
    } catch (const NumberOutOfRange&) {
      fail(mark, "the number " + text.substr(0, 40) + (text.size() > 40 ? "..." : "") +
                     " is out of range (quote it to keep it as text)");
    }
    deliver(std::move(v), mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, Json::array());
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, Json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    Json value;
    std::string pointer;
    int line = 0;
    bool has_key = false;  // in a mapping: the key of the value to come has been read
    bool skip = false;     // that key is a duplicate or not a string: its value is dropped
    std::string key;
    int key_line = 0;
  };

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) {
    problems.push_back({path_, mark.line + 1, message});
    throw ManifestError(std::move(problems));
  }
  [[noreturn]] void no_anchors(const YAML::Mark& mark) {
    fail(mark, "anchors and aliases ('&', '*') are not allowed in registry files");
  }
  bool key_expected() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key;
  }
  void bad_key(const YAML::Mark& mark) { fail(mark, "a key must be a plain string"); }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, Json empty) {
    if (anchor != YAML::NullAnchor) no_anchors(mark);
    if (key_expected()) bad_key(mark);
    if (stack_.size() >= kMaxYamlDepth)
      fail(mark, "nested deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    Frame f;
    f.value = std::move(empty);
    f.line = mark.line + 1;
    f.pointer = stack_.empty() ? std::string() : child_pointer(stack_.back());
    stack_.push_back(std::move(f));
  }
  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    YAML::Mark mark;
    mark.line = f.line - 1;
    deliver(std::move(f.value), mark);
  }
  static std::string child_pointer(const Frame& parent) {
    if (parent.value.is_array()) return parent.pointer + "/" + std::to_string(parent.value.size());
    return parent.pointer + "/" + pointer_escape(parent.key);
  }
  // A finished value goes to its parent (or becomes the document).
  void deliver(Json v, const YAML::Mark& mark) {
    if (stack_.empty()) {
      value = std::move(v);
      return;
    }
    Frame& f = stack_.back();
    if (f.value.is_array()) {
      lines_[child_pointer(f)] = mark.line + 1;
      f.value.push_back(std::move(v));
      return;
    }
    if (!f.skip) {
      lines_[child_pointer(f)] = f.key_line;
      f.value[f.key] = std::move(v);
    }
    f.has_key = false;
    f.skip = false;
  }

  const std::string& path_;
  std::map<std::string, int>& lines_;
  std::vector<Frame> stack_;
};

void collect_text_problems(const Json& v, const std::string& pointer, std::vector<TextProblem>& out) {
  auto check = [&](const std::string& s, const std::string& at, const char* what) {
    if (std::string problem = text_problem(s); !problem.empty()) out.push_back({at, std::string(what) + " " + problem});
  };
  if (v.is_string()) {
    check(v.get_ref<const std::string&>(), pointer, "the value");
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) collect_text_problems(v[i], pointer + "/" + std::to_string(i), out);
  } else if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string child = pointer + "/" + pointer_escape(it.key());
      check(it.key(), child, "the key");
      collect_text_problems(it.value(), child, out);
    }
  }
}

// The line (1-based) of byte `offset` of `text`.
int line_at(const std::string& text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace

int YamlDocument::line_of(std::string pointer) const {
  while (true) {
    auto it = lines.find(pointer);
    if (it != lines.end()) return it->second;
    auto slash = pointer.rfind('/');
    if (slash == std::string::npos || pointer.empty()) return 1;
    pointer.resize(slash);
  }
}

static YamlDocument read_with_yaml_cpp(const std::string& text, const std::string& path) {
  YamlDocument doc;
  doc.lines[""] = 1;
  Builder builder(path, doc.lines);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& e) {
    throw ManifestError({{path, e.mark.line + 1, "malformed YAML: " + e.msg}});
  }
  if (!builder.problems.empty()) throw ManifestError(std::move(builder.problems));
  doc.value = std::move(builder.value);
  return doc;
}

void check_yaml_text(const std::string& text, const std::string& path) {
  if (text.size() > kMaxRegistryFileBytes)
    throw ManifestError({file_too_large(path, text.size())});
  if (auto at = invalid_utf8_at(text)) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[*at]));
    throw ManifestError({{path, line_at(text, *at), std::string("not valid UTF-8 (byte ") + byte +
                                                        "); registry files are UTF-8 text"}});
  }
  if (auto nul = text.find('\0'); nul != std::string::npos)
    throw ManifestError({{path, line_at(text, nul), "the file holds a NUL byte; it must be UTF-8 text"}});
}

std::vector<TextProblem> text_problems(const Json& value) {
  std::vector<TextProblem> out;
  collect_text_problems(value, "", out);
  return out;
}

// Both readers' answers pass the same checks of the decoded strings (keys too): "\0" and
// "\x00" escapes decode to NUL, "\ud800" to a lone surrogate.
static YamlDocument checked(YamlDocument doc, const std::string& path) {
  std::vector<Problem> problems;
  for (const auto& t : text_problems(doc.value)) problems.push_back({path, doc.line_of(t.pointer), t.message});
  if (!problems.empty()) throw ManifestError(std::move(problems));
  return doc;
}

YamlDocument parse_yaml(const std::string& text, const std::string& path) {
  check_yaml_text(text, path);
  if (auto fast = parse_canonical_yaml(text)) return checked(std::move(*fast), path);
  return checked(read_with_yaml_cpp(text, path), path);
}

YamlDocument parse_yaml_with_yaml_cpp(const std::string& text, const std::string& path) {
  check_yaml_text(text, path);
  return checked(read_with_yaml_cpp(text, path), path);
}

bool plain_is_safe(const std::string& s, bool in_flow) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (std::strchr("-?:,[]{}#&*!|>'\"%@`", static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == ':' && i + 1 < s.size() && s[i + 1] == ' ') return false;
    if (c == '#' && i > 0 && s[i - 1] == ' ') return false;
    // In a flow list only identifier-like items go plain (yaml-cpp misreads '?' there).
    if (in_flow && !(std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '/')) return false;
  }
  // It must read back as the same string (not null, a bool or a number), under
  // YAML 1.2 and under the YAML 1.1 rules older readers still apply.
  try {
    if (!resolve_plain(s).is_string()) return false;
  } catch (const NumberOutOfRange&) {
    return false;
  }
  static const std::set<std::string> yaml11{"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No",
                                            "NO", "on", "On", "ON", "off", "Off", "OFF"};
  if (yaml11.count(s)) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i < s.size() && s[i] == '.') return s.find_first_of("iInN") == std::string::npos;  // .inf, .nan
  if (i < s.size() && is_ascii_digit(s[i]) && s.find_first_not_of("0123456789_:.eE+-") == std::string::npos)
    return false;
  return true;
}

std::string yaml_scalar(const std::string& s, bool in_flow) {
  if (plain_is_safe(s, in_flow)) return s;
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

namespace {

// A multi-line string fits a literal block when it reads back exactly.
bool fits_literal_block(const std::string& s) {
  if (s.find('\n') == std::string::npos) return false;
  if (s.front() == ' ' || s.front() == '\n') return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    std::string line = s.substr(start, end - start);
    // Whitespace-only lines do not survive a block scalar's indentation rules.
    if (!line.empty() && line.find_first_not_of(" \t") == std::string::npos) return false;
    for (unsigned char c : line)
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

void YamlWriter::key(const std::string& k) {
  out_.append(static_cast<size_t>(indent_), ' ');
  out_ += yaml_scalar(k);
  out_ += ':';
}

void YamlWriter::string(const std::string& k, const std::string& value) {
  key(k);
  if (fits_literal_block(value)) {
    size_t trailing = 0;
    while (trailing < value.size() && value[value.size() - 1 - trailing] == '\n') ++trailing;
    out_ += trailing == 0 ? " |-" : trailing == 1 ? " |" : " |+";
    out_ += '\n';
    const std::string pad(static_cast<size_t>(indent_ + 2), ' ');
    size_t start = 0;
    const size_t body_end = value.size() - trailing;
    while (start < body_end) {
      size_t end = value.find('\n', start);
      if (end == std::string::npos || end > body_end) end = body_end;
      if (end > start) out_ += pad + value.substr(start, end - start);
      out_ += '\n';
      start = end + 1;
    }
    for (size_t i = 1; i < trailing; ++i) out_ += '\n';
    return;
  }
  out_ += ' ';
  out_ += yaml_scalar(value);
  out_ += '\n';
}

void YamlWriter::integer(const std::string& k, std::int64_t value) {
  key(k);
  out_ += ' ' + std::to_string(value) + '\n';
}

void YamlWriter::flow_list(const std::string& k, const std::vector<std::string>& values) {
  key(k);
  out_ += " [";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out_ += ", ";
    out_ += yaml_scalar(values[i], true);
  }
  out_ += "]\n";
}

void YamlWriter::string_map(const std::string& k, const TagMap& values) {
  if (values.empty()) return;
  begin_map(k);
  for (const auto& [name, v] : values) string(name, v);
  end_map();
}

void YamlWriter::begin_map(const std::string& k) {
  key(k);
  out_ += '\n';
  indent_ += 2;
}

void YamlWriter::end_map() { indent_ -= 2; }

void YamlWriter::value(const std::string& k, const Json& v) {
  if (v.is_object()) {
    if (v.empty()) {
      key(k);
      out_ += " {}\n";
      return;
    }
    begin_map(k);
    for (auto it = v.begin(); it != v.end(); ++it) value(it.key(), it.value());
    end_map();
  } else if (v.is_array()) {
    bool scalars = true;
    for (const auto& item : v) scalars = scalars && item.is_string();
    if (scalars) {
      flow_list(k, v.get<std::vector<std::string>>());
      return;
    }
    // Mixed lists are written in JSON's flow syntax, which YAML reads as is.
    key(k);
    out_ += ' ' + v.dump() + '\n';
  } else if (v.is_string()) {
    string(k, v.get<std::string>());
  } else if (v.is_null()) {
    key(k);
    out_ += " null\n";
  } else {
    key(k);
    out_ += ' ' + v.dump() + '\n';
  }
}

}  // namespace mreg
