#include "search_filter.h"

#include <cctype>
#include <vector>

#include "mreg/error.h"
#include "mreg/names.h"

namespace mreg::server {
namespace {

struct Clause {
  bool is_tag = false;
  std::string key;  // attribute name or tag key
  std::string op;   // =, !=, LIKE, ILIKE
  std::string value;
};

class Lexer {
 public:
  explicit Lexer(const std::string& text) : s_(text) {}

  bool at_end() {
    skip_space();
    return i_ >= s_.size();
  }
  // An identifier (letters, digits, '_', '.') or a `backquoted` one.
  std::string key() {
    skip_space();
    if (i_ < s_.size() && s_[i_] == '`') return quoted('`');
    std::string out;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.'))
      out += s_[i_++];
    // tag.`key with spaces`
    if (!out.empty() && out.back() == '.' && i_ < s_.size() && s_[i_] == '`') out += quoted('`');
    if (out.empty()) fail("expected a key");
    return out;
  }
  std::string op() {
    skip_space();
    for (const char* o : {"!=", "<>", "="})
      if (s_.compare(i_, std::string(o).size(), o) == 0) {
        i_ += std::string(o).size();
        return std::string(o) == "<>" ? "!=" : o;
      }
    std::string word = fold_case(key());
    if (word == "like") return "LIKE";
    if (word == "ilike") return "ILIKE";
    fail("unsupported comparator '" + word + "'");
  }
  std::string value() {
    skip_space();
    if (i_ < s_.size() && (s_[i_] == '\'' || s_[i_] == '"')) return quoted(s_[i_]);
    fail("expected a quoted string value");
  }
  bool and_keyword() {
    skip_space();
    if (fold_case(s_.substr(i_, 3)) == "and" && i_ + 3 < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_ + 3]))) {
      i_ += 3;
      return true;
    }
    return false;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw_invalid("Invalid filter '" + s_ + "': " + what + " at position " + std::to_string(i_));
  }

 private:
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  std::string quoted(char q) {
    ++i_;
    std::string out;
    while (i_ < s_.size() && s_[i_] != q) out += s_[i_++];
    if (i_ >= s_.size()) fail("unterminated quote");
    ++i_;
    return out;
  }

  const std::string& s_;
  std::size_t i_ = 0;
};

std::vector<Clause> parse(const std::string& filter, const std::vector<std::string>& attributes) {
  std::vector<Clause> clauses;
  Lexer lex(filter);
  if (lex.at_end()) return clauses;
  do {
    Clause c;
    std::string key = lex.key();
    if (fold_case(key.substr(0, 4)) == "tag." || fold_case(key.substr(0, 5)) == "tags.") {
      c.is_tag = true;
      c.key = key.substr(key.find('.') + 1);
    } else {
      c.key = key;
      bool known = false;
      std::string valid;
      for (const auto& a : attributes) {
        known = known || a == key;
        valid += (valid.empty() ? "'" : ", '") + a + "'";
      }
      if (!known) throw_invalid("Invalid attribute key '" + key + "' specified. Valid keys are '{" + valid + "}'");
    }
    c.op = lex.op();
    if (c.op != "=" && c.op != "!=" && (c.is_tag || c.key == "run_id"))
      throw_invalid("Invalid comparator '" + c.op + "' for '" + key + "' in filter '" + filter + "': use = or !=");
    c.value = lex.value();
    clauses.push_back(std::move(c));
  } while (lex.and_keyword());
  if (!lex.at_end()) lex.fail("expected AND");
  return clauses;
}

bool compare(const std::string& actual, const Clause& c) {
  if (c.op == "=") return actual == c.value;
  if (c.op == "!=") return actual != c.value;
  return like(actual, c.value, c.op == "ILIKE");
}

bool tag_matches(const TagMap& tags, const Clause& c, bool missing_prompt_tag_matches) {
  auto it = tags.find(c.key);
  if (it == tags.end()) return missing_prompt_tag_matches && c.key == "mlflow.prompt.is_prompt" && c.op == "!=";
  return compare(it->second, c);
}

}  // namespace

bool like(const std::string& text, const std::string& pattern, bool ignore_case) {
  auto eq = [&](char a, char b) {
    return ignore_case ? std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)) : a == b;
  };
  // Greedy matching with one backtrack point for the last %: linear enough for names.
  std::size_t t = 0, p = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '_' || (pattern[p] != '%' && eq(pattern[p], text[t])))) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

ModelFilter parse_model_filter(const std::string& filter) {
  auto clauses = parse(filter, {"name"});
  return [clauses](const RegisteredModel& m) {
    for (const auto& c : clauses)
      if (!(c.is_tag ? tag_matches(m.tags, c, true) : compare(m.name, c))) return false;
    return true;
  };
}

VersionFilter parse_version_filter(const std::string& filter) {
  auto clauses = parse(filter, {"name", "run_id"});
  return [clauses](const ModelVersion& v) {
    for (const auto& c : clauses) {
      if (c.is_tag) {
        if (!tag_matches(v.tags, c, false)) return false;
      } else if (!compare(c.key == "name" ? v.name : v.run_id, c)) {
        return false;
      }
    }
    return true;
  };
}

std::string pinned_model_name(const std::string& filter) {
  try {
    for (const auto& c : parse(filter, {"name", "run_id"}))
      if (!c.is_tag && c.key == "name" && c.op == "=") return c.value;
  } catch (const Error&) {
  }
  return "";
}

}  // namespace mreg::server
