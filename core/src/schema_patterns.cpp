#include "schema_patterns.h"

#include <locale.h>
#include <regex.h>

#include <mutex>

#include "mreg/error.h"
#include "mreg/problem.h"
#include "yaml_doc.h"

namespace mreg {

namespace {

[[noreturn]] void unsupported(const std::string& pattern, const std::string& why) {
  throw Error(ErrorCode::INTERNAL_ERROR, "schema pattern " + pattern + ": " + why);
}

// The ECMAScript pattern in POSIX extended syntax (see the header for the subset).
std::string to_posix(const std::string& pattern) {
  std::string out;
  bool in_bracket = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (++i == pattern.size()) unsupported(pattern, "ends with a backslash");
      const char e = pattern[i];
      const char* cls = e == 's' ? "[:space:]" : e == 'd' ? "[:digit:]" : e == 'w' ? "[:alnum:]_" : nullptr;
      if (cls) {
        out += in_bracket ? std::string(cls) : "[" + std::string(cls) + "]";
      } else if (in_bracket) {
        if (e == ']' || e == '\\' || e == '-' || e == '^' || e == '[') unsupported(pattern, "an escaped bracket metacharacter");
        out += e;  // in brackets, POSIX takes every character but those literally
      } else if (std::string(".[]{}()*+?|^$\\/-").find(e) != std::string::npos) {
        out += e == '/' || e == '-' ? std::string(1, e) : std::string("\\") + e;
      } else {
        unsupported(pattern, std::string("the escape \\") + e);
      }
      continue;
    }
    if (in_bracket) {
      if (c == '[') unsupported(pattern, "'[' inside a bracket expression");
      if (c == ']' && !(out.back() == '[' || (out.back() == '^' && out[out.size() - 2] == '['))) in_bracket = false;
      out += c;
    } else if (c == '[') {
      in_bracket = true;
      out += c;
    } else if (c == '.') {
      out += "[^\n\r]";  // ECMAScript's dot stops at line ends; POSIX's does not
    } else {
      out += c;
    }
  }
  if (in_bracket) unsupported(pattern, "an unclosed bracket expression");
  return out;
}

// A "C" locale for every compile and match, whatever the process's own (Python's is UTF-8).
locale_t c_locale() {
  static const locale_t c = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  return c;
}

class ScopedLocale {
 public:
  ScopedLocale() : previous_(uselocale(c_locale())) {}
  ~ScopedLocale() { uselocale(previous_); }

 private:
  locale_t previous_;
};

const std::string kRefPrefix = "#/definitions/";

bool is_schema_list_keyword(const std::string& k) { return k == "oneOf" || k == "anyOf" || k == "allOf" || k == "not"; }

bool has_pattern(const Json& schema) {
  if (!schema.is_object() && !schema.is_array()) return false;
  if (schema.is_object() && schema.contains("pattern")) return true;
  for (const auto& [k, v] : schema.items())
    if (has_pattern(v)) return true;
  return false;
}

// Removes the "pattern" keywords of a schema (not properties named "pattern").
void strip(Json& schema) {
  if (!schema.is_object()) return;
  schema.erase("pattern");
  for (auto& [k, v] : schema.items()) {
    if (k == "properties" || k == "definitions" || k == "patternProperties") {
      if (v.is_object())
        for (auto& [name, sub] : v.items()) strip(sub);
    } else if (k == "additionalProperties" || k == "items") {
      strip(v);
    } else if (is_schema_list_keyword(k) && has_pattern(v)) {
      throw Error(ErrorCode::INTERNAL_ERROR, "schema: a pattern under " + k + " is not supported");
    }
  }
}

void collect(const Json& schema, std::vector<std::string>& patterns) {
  if (!schema.is_object()) return;
  if (auto p = schema.find("pattern"); p != schema.end() && p->is_string()) patterns.push_back(*p);
  for (const auto& [k, v] : schema.items()) {
    if (k == "properties" || k == "definitions" || k == "patternProperties") {
      if (!v.is_object()) continue;
      for (const auto& [name, sub] : v.items()) {
        if (k == "patternProperties") patterns.push_back(name);
        collect(sub, patterns);
      }
    } else if (k == "additionalProperties" || k == "items") {
      collect(v, patterns);
    }
  }
}

}  // namespace

class SchemaPatterns::Regex {
 public:
  explicit Regex(const std::string& pattern) {
    const std::string posix = to_posix(pattern);
    ScopedLocale c;
    if (regcomp(&regex_, posix.c_str(), REG_EXTENDED | REG_NOSUB) != 0) unsupported(pattern, "POSIX regcomp refused it");
  }
  ~Regex() { regfree(&regex_); }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  bool search(const std::string& text) const {
    if (text.find('\0') != std::string::npos) return false;  // never in a checked file (text_problems)
    ScopedLocale c;
    return regexec(&regex_, text.c_str(), 0, nullptr, 0) == 0;
  }

 private:
  regex_t regex_;
};

bool schema_pattern_search(const std::string& pattern, const std::string& text) {
  return SchemaPatterns::Regex(pattern).search(text);
}

SchemaPatterns::SchemaPatterns(Json& schema) : schema_(schema) {
  // Each pattern is translated (and refused when outside the subset) now, and compiled on its
  // first match: a file uses a few of its schema's patterns, and regcomp of all of them cost a
  // `version show` a tenth of its instructions.
  std::vector<std::string> patterns;
  collect(schema_, patterns);
  for (const auto& p : patterns)
    if (!regexes_.count(p)) {
      to_posix(p);
      regexes_.emplace(p, nullptr);
    }
  strip(schema);
}

SchemaPatterns::~SchemaPatterns() = default;

bool SchemaPatterns::matches(const std::string& pattern, const std::string& text) const {
  const Regex* regex;
  {
    std::lock_guard<std::mutex> lock(mutex_);  // readers on several threads share the schema
    auto& slot = regexes_.at(pattern);
    if (!slot) slot = std::make_unique<Regex>(pattern);
    regex = slot.get();
  }
  return regex->search(text);
}

const Json& SchemaPatterns::resolve(const Json& schema) const {
  const Json* s = &schema;
  for (int depth = 0; s->is_object() && s->contains("$ref") && depth < 16; ++depth) {
    const std::string ref = (*s)["$ref"].get<std::string>();
    if (ref.rfind(kRefPrefix, 0) != 0) throw Error(ErrorCode::INTERNAL_ERROR, "schema: $ref " + ref + " is not supported");
    s = &schema_.at("definitions").at(ref.substr(kRefPrefix.size()));
  }
  return *s;
}

std::vector<SchemaPatterns::Mismatch> SchemaPatterns::check(const Json& value) const {
  std::vector<Mismatch> out;
  check(schema_, value, "", out);
  return out;
}

void SchemaPatterns::check(const Json& schema_in, const Json& value, const std::string& pointer,
                           std::vector<Mismatch>& out) const {
  const Json& schema = resolve(schema_in);
  if (!schema.is_object()) return;
  if (value.is_string()) {
    if (auto p = schema.find("pattern"); p != schema.end() && !matches(*p, value.get<std::string>()))
      out.push_back({pointer});
    return;
  }
  if (value.is_array()) {
    if (auto items = schema.find("items"); items != schema.end() && items->is_object())
      for (std::size_t i = 0; i < value.size(); ++i) check(*items, value[i], pointer + "/" + std::to_string(i), out);
    return;
  }
  if (!value.is_object()) return;
  const auto properties = schema.find("properties");
  const auto pattern_properties = schema.find("patternProperties");
  const auto additional = schema.find("additionalProperties");
  for (const auto& [key, sub] : value.items()) {
    const std::string where = pointer + "/" + pointer_escape(key);
    if (properties != schema.end() && properties->contains(key)) {
      check((*properties)[key], sub, where, out);
      continue;
    }
    bool matched = false;
    if (pattern_properties != schema.end())
      for (const auto& [key_pattern, key_schema] : pattern_properties->items())
        if (matches(key_pattern, key)) {
          matched = true;
          check(key_schema, sub, where, out);
        }
    if (!matched && additional != schema.end() && additional->is_object()) check(*additional, sub, where, out);
  }
}

}  // namespace mreg
