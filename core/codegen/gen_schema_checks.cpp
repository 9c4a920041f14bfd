// Writes core's generated schema checks (core/src/schema_checks.h) from schemas/*.schema.json:
// one C++ function per schema node, taking the keywords schemas/ uses. A node with a keyword
// outside that subset (or a pattern QuickPattern does not take) becomes a check that answers
// "no", so the value is then validated the full way.
//
//   mreg_gen_schema_checks OUT.cpp NAME=SCHEMA.json...
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "quick_pattern.h"

namespace {

using nlohmann::json;

std::string literal(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f && c != '?') {  // '?' too: no trigraphs
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    }
  }
  return out + "\"";
}

bool whole_number(const json& v) {
  return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
}

std::string integer_text(const json& v) {
  return std::to_string(v.is_number_unsigned() ? static_cast<long long>(v.get<unsigned long long>()) : v.get<long long>()) + "LL";
}

class Generator {
 public:
  Generator(std::string name, const json& root) : name_(std::move(name)), root_(root) {}

  // The function that checks the whole schema.
  std::string generate() { return node(root_, "#"); }
  const std::string& code() const { return code_; }
  const std::string& declarations() const { return declarations_; }

 private:
  std::string node(const json& schema, const std::string& where) {
    if (auto it = done_.find(where); it != done_.end()) return it->second;
    const std::string fn = name_ + "_" + std::to_string(done_.size());
    done_[where] = fn;
    declarations_ += "bool " + fn + "(const Json& v);\n";
    std::string body;
    if (!body_of(schema, where, body)) body = "  return false;  // outside the generated subset\n";
    else body += "  return true;\n";
    code_ += "// " + name_ + " " + where + "\nbool " + fn + "(const Json& v) {\n" + body + "}\n\n";
    return fn;
  }

  std::string reference(const std::string& ref) {
    const std::string prefix = "#/definitions/";
    if (ref.compare(0, prefix.size(), prefix) != 0) return "";
    const std::string key = ref.substr(prefix.size());
    if (!root_.contains("definitions") || !root_["definitions"].contains(key)) return "";
    return node(root_["definitions"][key], ref);
  }

  static std::string type_test(const std::string& t) {
    if (t == "object") return "v.is_object()";
    if (t == "array") return "v.is_array()";
    if (t == "string") return "v.is_string()";
    if (t == "integer") return "v.is_number_integer()";
    if (t == "number") return "v.is_number()";
    if (t == "boolean") return "v.is_boolean()";
    if (t == "null") return "v.is_null()";
    return "";
  }

  bool body_of(const json& schema, const std::string& where, std::string& out) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) return false;
      return true;
    }
    if (!schema.is_object()) return false;
    static const std::set<std::string> ignored{"$schema", "$comment", "title", "description", "definitions",
                                               "examples", "default"};
    if (schema.contains("$ref")) {
      for (const auto& [k, v] : schema.items())
        if (k != "$ref" && !ignored.count(k)) return false;  // draft-07 ignores them; keep it simple
      const std::string fn = reference(schema["$ref"].get<std::string>());
      if (fn.empty()) return false;
      out += "  if (!" + fn + "(v)) return false;\n";
      return true;
    }
    for (const auto& [k, v] : schema.items()) {
      if (ignored.count(k)) continue;
      if (k == "type") {
        std::vector<std::string> types = v.is_string() ? std::vector<std::string>{v.get<std::string>()}
                                                       : v.get<std::vector<std::string>>();
        std::string test;
        for (const auto& t : types) {
          const std::string one = type_test(t);
          if (one.empty()) return false;
          test += (test.empty() ? "" : " || ") + one;
        }
        out += "  if (!(" + test + ")) return false;\n";
      } else if (k == "required") {
        for (const auto& key : v) out += "  if (!v.is_object() || !v.contains(" + literal(key.get<std::string>()) + ")) return false;\n";
      } else if (k == "properties" || k == "patternProperties" || k == "additionalProperties") {
        continue;  // together, below
      } else if (k == "minLength" || k == "maxLength") {
        if (!v.is_number_unsigned()) return false;
        out += "  if (v.is_string() && code_points(v.get_ref<const std::string&>()) " +
               std::string(k == "minLength" ? "<" : ">") + " " + std::to_string(v.get<unsigned long long>()) +
               "u) return false;\n";
      } else if (k == "minimum" || k == "maximum") {
        if (!whole_number(v)) return false;
        out += "  if (v.is_number() && !" + std::string(k == "minimum" ? "at_least" : "at_most") + "(v, " +
               integer_text(v.is_number_float() ? json(static_cast<long long>(v.get<double>())) : v) + ")) return false;\n";
      } else if (k == "minItems" || k == "maxItems") {
        if (!v.is_number_unsigned()) return false;
        out += "  if (v.is_array() && v.size() " + std::string(k == "minItems" ? "<" : ">") + " " +
               std::to_string(v.get<unsigned long long>()) + "u) return false;\n";
      } else if (k == "uniqueItems") {
        if (!v.is_boolean()) return false;
        if (v.get<bool>()) out += "  if (v.is_array() && !distinct_strings(v)) return false;\n";
      } else if (k == "pattern") {
        const std::string pattern = v.get<std::string>();
        if (!mreg::QuickPattern::parse(pattern)) return false;
        const std::string p = "pattern_" + std::to_string(patterns_++);
        out += "  static const QuickPattern " + p + "(" + literal(pattern) + ");\n";
        out += "  if (v.is_string() && !" + p + ".search(v.get_ref<const std::string&>())) return false;\n";
      } else if (k == "enum") {
        std::string test;
        for (const auto& e : v) {
          if (!e.is_string()) return false;
          test += (test.empty() ? "" : " || ") + std::string("v.get_ref<const std::string&>() == ") + literal(e.get<std::string>());
        }
        out += "  if (!(v.is_string() && (" + (test.empty() ? std::string("false") : test) + "))) return false;\n";
      } else if (k == "const") {
        if (v.is_string()) out += "  if (!(v.is_string() && v.get_ref<const std::string&>() == " + literal(v.get<std::string>()) + ")) return false;\n";
        else if (v.is_number_integer()) out += "  if (!(v.is_number_integer() && v == Json(" + integer_text(v) + "))) return false;\n";
        else if (v.is_boolean()) out += std::string("  if (!(v.is_boolean() && v.get<bool>() == ") + (v.get<bool>() ? "true" : "false") + ")) return false;\n";
        else return false;
      } else if (k == "oneOf" || k == "anyOf") {
        // Only branches that require members, whose checks are exact, so that counting them is.
        if (!v.is_array() || v.empty()) return false;
        out += "  {\n    int passed = 0;\n";
        for (const auto& branch : v) {
          if (!branch.is_object()) return false;
          std::string test = "!v.is_object()";  // "required" holds for anything but an object
          std::string members;
          for (const auto& [bk, bv] : branch.items()) {
            if (ignored.count(bk)) continue;
            if (bk != "required" || !bv.is_array()) return false;
            for (const auto& key : bv) {
              if (!key.is_string()) return false;
              members += " && v.contains(" + literal(key.get<std::string>()) + ")";
            }
          }
          if (!members.empty()) test += " || (true" + members + ")";
          else test = "true";
          out += "    if (" + test + ") ++passed;\n";
        }
        out += std::string("    if (passed ") + (k == "oneOf" ? "!= 1" : "== 0") + ") return false;\n  }\n";
      } else if (k == "items") {
        if (!v.is_object() && !v.is_boolean()) return false;
        const std::string fn = node(v, where + "/items");
        out += "  if (v.is_array())\n    for (const auto& item : v)\n      if (!" + fn + "(item)) return false;\n";
      } else {
        return false;
      }
    }
    return object_members(schema, where, out);
  }

  bool object_members(const json& schema, const std::string& where, std::string& out) {
    const bool any = schema.contains("properties") || schema.contains("patternProperties") ||
                     schema.contains("additionalProperties");
    if (!any) return true;
    std::string loop = "  if (v.is_object())\n    for (auto it = v.begin(); it != v.end(); ++it) {\n"
                       "      const std::string& key = it.key();\n      bool named = false;\n";
    if (schema.contains("properties")) {
      if (!schema["properties"].is_object()) return false;
      std::string chain;
      for (const auto& [key, sub] : schema["properties"].items()) {
        const std::string fn = node(sub, where + "/properties/" + key);
        loop += std::string("      ") + (chain.empty() ? "if" : "else if") + " (key == " + literal(key) + ") {\n" +
                "        named = true;\n        if (!" + fn + "(it.value())) return false;\n      }\n";
        chain = "x";
      }
    }
    if (schema.contains("patternProperties")) {
      if (!schema["patternProperties"].is_object()) return false;
      for (const auto& [pattern, sub] : schema["patternProperties"].items()) {
        if (!mreg::QuickPattern::parse(pattern)) return false;
        const std::string fn = node(sub, where + "/patternProperties/" + pattern);
        const std::string p = "pattern_" + std::to_string(patterns_++);
        loop += "      static const QuickPattern " + p + "(" + literal(pattern) + ");\n";
        loop += "      if (" + p + ".search(key)) {\n        named = true;\n        if (!" + fn +
                "(it.value())) return false;\n      }\n";
      }
    }
    if (schema.contains("additionalProperties")) {
      const json& extra = schema["additionalProperties"];
      if (extra.is_boolean() && !extra.get<bool>()) {
        loop += "      if (!named) return false;\n";
      } else if (extra.is_object() || extra.is_boolean()) {
        const std::string fn = node(extra, where + "/additionalProperties");
        loop += "      if (!named && !" + fn + "(it.value())) return false;\n";
      } else {
        return false;
      }
    }
    loop += "      (void)key;\n      (void)named;\n    }\n";
    out += loop;
    return true;
  }

  std::string name_;
  const json& root_;
  std::map<std::string, std::string> done_;
  std::string code_, declarations_;
  int patterns_ = 0;
};

const char* const kPrelude = R"(// Generated from schemas/*.schema.json by core/codegen/gen_schema_checks.cpp. Do not edit.
#include <string>

#include "quick_pattern.h"
#include "schema_checks.h"

namespace mreg::generated_schema_checks {
namespace {

// Length as JSON Schema counts it: in code points (the strings are valid UTF-8 here).
[[maybe_unused]] std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

[[maybe_unused]] bool at_least(const Json& v, long long m) {
  if (v.is_number_unsigned()) return m <= 0 || v.get<unsigned long long>() >= static_cast<unsigned long long>(m);
  if (v.is_number_integer()) return v.get<long long>() >= m;
  return v.get<double>() >= static_cast<double>(m);
}

[[maybe_unused]] bool at_most(const Json& v, long long m) {
  if (v.is_number_unsigned()) return m >= 0 && v.get<unsigned long long>() <= static_cast<unsigned long long>(m);
  if (v.is_number_integer()) return v.get<long long>() <= m;
  return v.get<double>() <= static_cast<double>(m);
}

// uniqueItems, for arrays of strings only (anything else is left to the full validation).
[[maybe_unused]] bool distinct_strings(const Json& v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (v[j].get_ref<const std::string&>() == v[i].get_ref<const std::string&>()) return false;
  }
  return true;
}

)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: mreg_gen_schema_checks OUT.cpp NAME=SCHEMA.json...\n";
    return 2;
  }
  std::string declarations, code, entry_points;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    if (eq == std::string::npos) {
      std::cerr << "mreg_gen_schema_checks: expected NAME=SCHEMA.json, got " << arg << "\n";
      return 2;
    }
    const std::string name = arg.substr(0, eq);
    std::ifstream in(arg.substr(eq + 1));
    if (!in) {
      std::cerr << "mreg_gen_schema_checks: cannot read " << arg.substr(eq + 1) << "\n";
      return 1;
    }
    json schema;
    try {
      schema = json::parse(in);
    } catch (const std::exception& e) {
      std::cerr << "mreg_gen_schema_checks: " << arg.substr(eq + 1) << ": " << e.what() << "\n";
      return 1;
    }
    Generator g(name, schema);
    const std::string fn = g.generate();
    declarations += g.declarations();
    code += g.code();
    entry_points += "bool accepts_" + name + "(const Json& value) { return " + fn + "(value); }\n";
  }
  std::ostringstream out;
  out << kPrelude << declarations << "\n" << code << "}  // namespace\n\n" << entry_points
      << "\n}  // namespace mreg::generated_schema_checks\n";
  const std::string path = argv[1];
  // Written only when it changes, so that an unchanged schema recompiles nothing.
  std::ifstream old(path);
  std::stringstream before;
  before << old.rdbuf();
  if (old && before.str() == out.str()) return 0;
  std::ofstream file(path);
  file << out.str();
  return file ? 0 : 1;
}
