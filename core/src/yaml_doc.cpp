#include "yaml_doc.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <limits>
#include <cstring>
#include <set>

#include "mreg/problem.h"

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

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [-+]?[0-9]+
bool is_int(const std::string& s) {
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i)
    if (!is_digit(s[i])) return false;
  return true;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float(const std::string& s) {
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
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
    try {
      return static_cast<std::int64_t>(std::stoll(s));
    } catch (...) {
      return std::stod(s);
    }
  }
  {
    const std::string body = (c == '-' || c == '+') ? s.substr(1) : s;
    if (body == ".inf" || body == ".Inf" || body == ".INF")
      return (c == '-' ? -1 : 1) * std::numeric_limits<double>::infinity();
    if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    try {
      return static_cast<std::int64_t>(std::stoll(s.substr(2), nullptr, s[1] == 'x' ? 16 : 8));
    } catch (...) {
      return s;
    }
  }
  if (is_float(s)) return std::stod(s);
  return s;
}

namespace {

struct Converter {
  const std::string& path;
  std::map<std::string, int>& lines;
  std::vector<Problem> problems;

  Json convert(const YAML::Node& node, const std::string& pointer) {
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar:
        // "!" marks a quoted or block scalar: always a string.
        if (node.Tag() == "!") return node.Scalar();
        return resolve_plain(node.Scalar());
      case YAML::NodeType::Sequence: {
        Json arr = Json::array();
        size_t i = 0;
        for (const auto& item : node) {
          std::string p = pointer + "/" + std::to_string(i++);
          lines[p] = item.Mark().line + 1;
          arr.push_back(convert(item, p));
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        Json obj = Json::object();
        for (const auto& kv : node) {
          const int line = kv.first.Mark().line + 1;
          if (!kv.first.IsScalar()) {
            problems.push_back({path, line, "a key must be a plain string"});
            continue;
          }
          const std::string key = kv.first.Scalar();
          const std::string p = pointer + "/" + pointer_escape(key);
          if (obj.contains(key)) {
            problems.push_back({path, line, "duplicate key '" + key + "'"});
            continue;
          }
          lines[p] = line;
          obj[key] = convert(kv.second, p);
        }
        return obj;
      }
    }
    return nullptr;
  }
};

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

YamlDocument parse_yaml(const std::string& text, const std::string& path) {
  if (text.find('\0') != std::string::npos)
    throw ManifestError({{path, 1, "the file holds a NUL byte; it must be UTF-8 text"}});
  if (auto fast = parse_canonical_yaml(text)) return std::move(*fast);
  return parse_yaml_with_yaml_cpp(text, path);
}

YamlDocument parse_yaml_with_yaml_cpp(const std::string& text, const std::string& path) {
  YamlDocument doc;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ManifestError({{path, e.mark.line + 1, "malformed YAML: " + e.msg}});
  }
  Converter conv{path, doc.lines, {}};
  doc.lines[""] = 1;
  doc.value = conv.convert(root, "");
  if (!conv.problems.empty()) throw ManifestError(std::move(conv.problems));
  return doc;
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
  if (!resolve_plain(s).is_string()) return false;
  static const std::set<std::string> yaml11{"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No",
                                            "NO", "on", "On", "ON", "off", "Off", "OFF"};
  if (yaml11.count(s)) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i < s.size() && s[i] == '.') return s.find_first_of("iInN") == std::string::npos;  // .inf, .nan
  if (i < s.size() && is_digit(s[i]) && s.find_first_not_of("0123456789_:.eE+-") == std::string::npos)
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
