// Whether a model or a version satisfies a parsed filter.
#include <optional>

#include "mreg/names.h"
#include "mreg/search.h"

namespace mreg {
namespace {

// The code points of UTF-8 text; a byte that starts no valid sequence stands for itself.
std::vector<std::uint32_t> code_points(const std::string& s, bool fold) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = 1;
    std::uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        n = 1;
        cp = c;
        break;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (fold && cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    out.push_back(cp);
    i += n;
  }
  return out;
}

bool compare_number(Comparator op, std::int64_t lhs, std::int64_t rhs) {
  switch (op) {
    case Comparator::Equal: return lhs == rhs;
    case Comparator::NotEqual: return lhs != rhs;
    case Comparator::Less: return lhs < rhs;
    case Comparator::LessEqual: return lhs <= rhs;
    case Comparator::Greater: return lhs > rhs;
    case Comparator::GreaterEqual: return lhs >= rhs;
    default: return false;
  }
}

// One string value against a clause; stages are equal ignoring case, as stage names are everywhere.
bool string_holds(const FilterClause& c, const std::string& value) {
  const bool fold = c.key == FilterKey::Stage;
  switch (c.comparator) {
    case Comparator::Equal: return fold ? fold_case(value) == fold_case(c.text) : value == c.text;
    case Comparator::NotEqual: return fold ? fold_case(value) != fold_case(c.text) : value != c.text;
    case Comparator::Like: return like_match(value, c.text, false);
    case Comparator::ILike: return like_match(value, c.text, true);
    case Comparator::In:
      for (const auto& item : c.list)
        if (item == value) return true;
      return false;
    default: return false;
  }
}

// A key with several values (a model's stages, a version's aliases): = and LIKE
// hold when one value does; != when no value is equal.
template <typename Values>
bool any_holds(const FilterClause& c, const Values& values) {
  if (c.comparator == Comparator::NotEqual) {
    for (const auto& v : values)
      if (!string_holds(c, v)) return false;
    return true;
  }
  for (const auto& v : values)
    if (string_holds(c, v)) return true;
  return false;
}

// A tag the model or version lacks matches nothing, not even !=.
bool tag_holds(const FilterClause& c, const TagMap& tags) {
  auto it = tags.find(c.tag_key);
  return it != tags.end() && string_holds(c, it->second);
}

// MLflow 2.21+ clients add tag.`mlflow.prompt.is_prompt` != 'true' to every model
// search, and MLflow's stores let a model without that tag match it (and = 'false').
bool untagged_prompt_clause_holds(const FilterClause& c) {
  return c.tag_key == "mlflow.prompt.is_prompt" &&
         ((c.comparator == Comparator::NotEqual && c.text == "true") ||
          (c.comparator == Comparator::Equal && c.text == "false"));
}

bool model_holds(const FilterClause& c, const ModelSummary& s) {
  const RegisteredModel& m = s.model;
  switch (c.key) {
    case FilterKey::Name: return string_holds(c, m.name);
    case FilterKey::Description: return string_holds(c, m.description);
    case FilterKey::Tag:
      return m.tags.count(c.tag_key) ? tag_holds(c, m.tags) : untagged_prompt_clause_holds(c);
    case FilterKey::CreatedAt: return compare_number(c.comparator, m.created_at, c.number);
    case FilterKey::UpdatedAt: return compare_number(c.comparator, m.updated_at, c.number);
    case FilterKey::Stage: {
      std::vector<std::string> stages;
      for (const auto& v : s.latest_versions) stages.push_back(v.stage);
      return any_holds(c, stages);
    }
    case FilterKey::Alias: {
      std::vector<std::string> aliases;
      for (const auto& a : m.aliases) aliases.push_back(a.first);
      return any_holds(c, aliases);
    }
    default: return false;
  }
}

bool version_holds(const FilterClause& c, const ModelVersion& v) {
  switch (c.key) {
    case FilterKey::Name: return string_holds(c, v.name);
    case FilterKey::RunId: return string_holds(c, v.run_id);
    case FilterKey::SourcePath: return string_holds(c, v.source);
    case FilterKey::Description: return string_holds(c, v.description);
    case FilterKey::Stage: return string_holds(c, v.stage);
    case FilterKey::Alias: return any_holds(c, v.aliases);
    case FilterKey::Tag: return tag_holds(c, v.tags);
    case FilterKey::VersionNumber: return compare_number(c.comparator, v.version, c.number);
    case FilterKey::CreatedAt: return compare_number(c.comparator, v.created_at, c.number);
    case FilterKey::UpdatedAt: return compare_number(c.comparator, v.updated_at, c.number);
  }
  return false;
}

}  // namespace

bool like_match(const std::string& text, const std::string& pattern, bool ignore_case) {
  const auto t = code_points(text, ignore_case);
  const auto p = code_points(pattern, ignore_case);
  // Greedy with backtracking to the last %: linear in practice, quadratic at worst.
  std::size_t ti = 0, pi = 0;
  std::optional<std::size_t> star_p, star_t;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '%') {
      star_p = pi++;
      star_t = ti;
    } else if (pi < p.size() && (p[pi] == '_' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (star_p) {
      pi = *star_p + 1;
      ti = ++*star_t;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

bool matches(const SearchFilter& filter, const ModelSummary& model) {
  for (const auto& c : filter.clauses)
    if (!model_holds(c, model)) return false;
  return true;
}

bool matches(const SearchFilter& filter, const ModelVersion& version) {
  for (const auto& c : filter.clauses)
    if (!version_holds(c, version)) return false;
  return true;
}

bool name_matches(const SearchFilter& filter, const std::string& model_name) {
  for (const auto& c : filter.clauses)
    if (c.key == FilterKey::Name && !string_holds(c, model_name)) return false;
  return true;
}

}  // namespace mreg
