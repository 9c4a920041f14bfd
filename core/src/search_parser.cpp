// The filter grammar of search.h, with MLflow's error messages
// (mlflow/utils/search_utils.py: SearchModelUtils, SearchModelVersionUtils).
#include <algorithm>

#include "mreg/names.h"
#include "mreg/search.h"
#include "mreg/timefmt.h"
#include "search_lexer.h"

namespace mreg {
namespace {

struct Attribute {
  const char* name;
  FilterKey key;
  bool versions_only;
};

const Attribute kAttributes[] = {
    {"alias", FilterKey::Alias, false},          {"created_at", FilterKey::CreatedAt, false},
    {"description", FilterKey::Description, false}, {"name", FilterKey::Name, false},
    {"run_id", FilterKey::RunId, true},          {"source_path", FilterKey::SourcePath, true},
    {"stage", FilterKey::Stage, false},          {"updated_at", FilterKey::UpdatedAt, false},
    {"version_number", FilterKey::VersionNumber, true},
};

bool is_numeric(FilterKey key) {
  return key == FilterKey::VersionNumber || key == FilterKey::CreatedAt || key == FilterKey::UpdatedAt;
}

// {'a', 'b'}, as Python prints a set in MLflow's messages.
std::string python_set(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& i : items) out += (out.size() > 1 ? ", '" : "'") + i + "'";
  return out + "}";
}

std::vector<std::string> attribute_names(SearchKind kind, bool numeric) {
  std::vector<std::string> out;
  for (const auto& a : kAttributes)
    if ((kind == SearchKind::Versions || !a.versions_only) && (!numeric || is_numeric(a.key))) out.push_back(a.name);
  return out;
}

bool is_keyword(const Token& t, const char* word) { return t.type == TokenType::Word && fold_case(t.text) == fold_case(word); }

std::string shown(const Token& t) { return t.type == TokenType::End ? "end of filter" : "'" + t.text + "'"; }

class Parser {
 public:
  Parser(SearchKind kind, const std::string& filter) : kind_(kind), tokens_(tokenize_filter(filter)) {}

  SearchFilter parse() {
    SearchFilter f;
    f.kind = kind_;
    if (peek().type == TokenType::End) return f;
    for (;;) {
      f.clauses.push_back(clause());
      const Token& t = next();
      if (t.type == TokenType::End) return f;
      if (!is_keyword(t, "AND")) throw FilterError("Invalid clause(s) in filter string: " + t.text, t.position);
      if (peek().type == TokenType::End)
        throw FilterError("Invalid filter string: AND at the end, with no clause after it", t.position);
    }
  }

 private:
  const Token& peek() const { return tokens_[at_]; }
  const Token& next() { return tokens_[at_ < tokens_.size() - 1 ? at_++ : at_]; }

  FilterClause clause() {
    const Token& word = next();
    if (word.type != TokenType::Word || is_keyword(word, "AND"))
      throw FilterError("Invalid comparison clause. Expected 'Identifier' found " + shown(word), word.position);
    FilterClause c;
    c.position = word.position;
    identifier(word, c);
    comparator(c);
    value(c);
    return c;
  }

  void identifier(const Token& word, FilterClause& c) const {
    const std::string& text = word.text;
    const auto dot = text.find('.');
    std::string name = text;
    if (dot != std::string::npos) {
      const std::string entity = text.substr(0, dot);
      name = text.substr(dot + 1);
      if (entity == "tag" || entity == "tags") {
        c.key = FilterKey::Tag;
        c.tag_key = unquoted_key(name);
        if (c.tag_key.empty()) throw FilterError("Invalid filter string: no tag key after '" + entity + ".'", word.position);
        return;
      }
      if (entity != "attribute")
        throw FilterError("Invalid entity type '" + entity + "'. Valid entity types are ('attribute', 'tag', 'tags')",
                          word.position);
    }
    for (const auto& a : kAttributes)
      if (name == a.name && (kind_ == SearchKind::Versions || !a.versions_only)) {
        c.key = a.key;
        return;
      }
    throw FilterError("Invalid attribute key '" + name + "' specified. Valid keys are '" +
                          python_set(attribute_names(kind_, false)) + "'",
                      word.position);
  }

  static std::string unquoted_key(const std::string& key) {
    if (key.size() >= 2 && (key[0] == '`' || key[0] == '"' || key[0] == '\'') && key.back() == key[0])
      return key.substr(1, key.size() - 2);
    return key;
  }

  void comparator(FilterClause& c) {
    const Token& t = next();
    static const std::pair<const char*, Comparator> kOperators[] = {
        {"=", Comparator::Equal},   {"!=", Comparator::NotEqual}, {"<", Comparator::Less},
        {"<=", Comparator::LessEqual}, {">", Comparator::Greater}, {">=", Comparator::GreaterEqual}};
    std::string name;
    if (t.type == TokenType::Operator) {
      for (const auto& [text, op] : kOperators)
        if (t.text == text) c.comparator = op;
      name = t.text;
    } else if (is_keyword(t, "LIKE")) {
      c.comparator = Comparator::Like;
      name = "LIKE";
    } else if (is_keyword(t, "ILIKE")) {
      c.comparator = Comparator::ILike;
      name = "ILIKE";
    } else if (is_keyword(t, "IN")) {
      c.comparator = Comparator::In;
      name = "IN";
    } else {
      throw FilterError("Invalid comparison clause. Expected comparison found " + shown(t), t.position);
    }
    std::vector<std::string> allowed;
    if (is_numeric(c.key)) allowed = {"=", "!=", "<", "<=", ">", ">="};
    else if (c.key == FilterKey::Tag || kind_ == SearchKind::Models) allowed = {"=", "!=", "LIKE", "ILIKE"};
    else allowed = {"=", "!=", "LIKE", "ILIKE", "IN"};
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      throw FilterError("Invalid comparator '" + name + "' not one of '" + python_set(allowed) + "'", t.position);
    if (c.comparator == Comparator::In && c.key != FilterKey::RunId)
      throw FilterError("Only the 'run_id' attribute supports comparison with a list of quoted string values.",
                        t.position);
  }

  void value(FilterClause& c) {
    const Token& t = next();
    if (c.comparator == Comparator::In) return list(t, c);
    if (t.type == TokenType::Open)
      throw FilterError(c.key == FilterKey::RunId ? "A list of values goes with IN: run_id IN ('a', 'b')"
                                                  : "Only the 'run_id' attribute supports comparison with a list of "
                                                    "quoted string values.",
                        t.position);
    if (t.type != TokenType::String && t.type != TokenType::Number)
      throw FilterError("Invalid comparison clause. Expected value token found " + shown(t), t.position);
    if (c.key == FilterKey::VersionNumber) return version_number(t, c);
    if (c.key == FilterKey::CreatedAt || c.key == FilterKey::UpdatedAt) return time_value(t, c);
    if (t.type == TokenType::Number) {
      if (c.key == FilterKey::Tag)
        throw FilterError("Expected a quoted string value for tag (e.g. 'my-value'). Got value " + t.text, t.position);
      throw FilterError("Only the '" + python_set(attribute_names(kind_, true)) +
                            "' attributes support comparison with numeric values.",
                        t.position);
    }
    c.text = t.value;
  }

  void list(const Token& open, FilterClause& c) {
    if (open.type != TokenType::Open)
      throw FilterError("Expected a list of quoted string values after IN, e.g. ('a', 'b'). Got value " + shown(open),
                        open.position);
    if (peek().type == TokenType::Close)
      throw FilterError("While parsing a list in the query, expected a non-empty list of string values, but got empty list",
                        peek().position);
    for (;;) {
      const Token& item = next();
      if (item.type != TokenType::String)
        throw FilterError("While parsing a list in the query, expected string value, punctuation, or whitespace, "
                          "but got different type in list: " + shown(item),
                          item.position);
      c.list.push_back(item.value);
      const Token& after = next();
      if (after.type == TokenType::Close) return;
      if (after.type != TokenType::Comma)
        throw FilterError("While parsing a list in the query, expected a non-empty list of string values, but got "
                          "ill-formed list.",
                          after.position);
    }
  }

  // MLflow compares int(value): 5.7 means 5, and '5' is 5.
  static void version_number(const Token& t, FilterClause& c) {
    const std::string& text = t.type == TokenType::String ? t.value : t.text;
    std::string digits = text.substr(0, text.find('.'));
    if (t.type == TokenType::String && digits != text) digits.clear();  // '5.5' does not parse as int()
    if (!integer(digits, c.number))
      throw FilterError("Expected numeric value type for numeric attribute: version_number. Found " + t.text, t.position);
  }

  // A date as mreg reads dates (2026-11-24, RFC 3339), or milliseconds since the epoch.
  static void time_value(const Token& t, FilterClause& c) {
    if (t.type == TokenType::Number) {
      if (integer(t.text.substr(0, t.text.find('.')), c.number)) return;
    } else if (integer(t.value, c.number)) {
      return;
    } else if (auto ms = parse_date_ms(t.value)) {
      c.number = *ms;
      return;
    }
    throw FilterError("Invalid time " + t.text + " for " + (c.key == FilterKey::CreatedAt ? "created_at" : "updated_at") +
                          ": expected a date such as '2026-11-24' or '2026-11-24T09:30:00Z', or milliseconds since the epoch",
                      t.position);
  }

  static bool integer(const std::string& text, std::int64_t& out) {
    std::size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
    if (i == text.size() || text.size() - i > 18) return false;
    for (std::size_t k = i; k < text.size(); ++k)
      if (text[k] < '0' || text[k] > '9') return false;
    out = std::stoll(text);
    return true;
  }

  SearchKind kind_;
  std::vector<Token> tokens_;
  std::size_t at_ = 0;
};

}  // namespace

SearchFilter parse_filter(SearchKind kind, const std::string& filter) { return Parser(kind, filter).parse(); }
SearchFilter parse_model_filter(const std::string& filter) { return parse_filter(SearchKind::Models, filter); }
SearchFilter parse_version_filter(const std::string& filter) { return parse_filter(SearchKind::Versions, filter); }

}  // namespace mreg
