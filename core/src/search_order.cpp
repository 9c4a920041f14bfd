// order_by as MLflow reads it, with its defaults and tie-breaks.
#include <sstream>

#include "mreg/names.h"
#include "mreg/search.h"

namespace mreg {
namespace {

struct OrderName {
  const char* name;
  OrderKey key;
  bool versions_only;
  bool models_only = false;
};

// MLflow's keys (`timestamp` is its other name for last_updated_timestamp), and, beyond
// MLflow's, creation_timestamp for models and the names the filter uses for the timestamps
// (docs/http.md says why they stay).
const OrderName kOrderNames[] = {
    {"created_at", OrderKey::CreatedAt, false},
    {"creation_timestamp", OrderKey::CreatedAt, false},
    {"last_updated_timestamp", OrderKey::UpdatedAt, false},
    {"name", OrderKey::Name, false},
    {"timestamp", OrderKey::UpdatedAt, false, true},
    {"updated_at", OrderKey::UpdatedAt, false},
    {"version_number", OrderKey::VersionNumber, true},
};

[[noreturn]] void unparsable(const std::string& clause) {
  throw_invalid("Invalid order_by clause '" + clause + "'. Could not be parsed.");
}

OrderClause parse_clause(SearchKind kind, const std::string& clause) {
  std::istringstream words(clause);
  std::vector<std::string> parts;
  for (std::string w; words >> w;) parts.push_back(w);
  if (parts.empty() || parts.size() > 2) unparsable(clause);
  OrderClause out;
  if (parts.size() == 2) {
    const std::string direction = fold_case(parts[1]);
    if (direction != "asc" && direction != "desc")
      throw_invalid("Invalid ordering key in order_by clause '" + clause + "'.");
    out.ascending = direction == "asc";
  }
  std::string key = parts[0];
  const auto dot = key.find('.');
  if (dot != std::string::npos) {
    const std::string entity = key.substr(0, dot);
    if (entity == "tag" || entity == "tags") throw_invalid("Invalid order_by entity: tag");
    if (entity != "attribute")
      throw_invalid("Invalid entity type '" + entity + "'. Valid entity types are ('attribute', 'tag', 'tags')");
    key = key.substr(dot + 1);
  }
  std::string valid;
  for (const auto& n : kOrderNames) {
    if ((n.versions_only && kind != SearchKind::Versions) || (n.models_only && kind == SearchKind::Versions)) continue;
    if (key == n.name) {
      out.key = n.key;
      return out;
    }
    valid += std::string(valid.empty() ? "'" : ", '") + n.name + "'";
  }
  throw_invalid("Invalid attribute key '" + key + "' specified. Valid keys are '{" + valid + "}'");
}

bool has_key(const std::vector<OrderClause>& clauses, OrderKey key) {
  for (const auto& c : clauses)
    if (c.key == key) return true;
  return false;
}

}  // namespace

std::vector<OrderClause> parse_order_by(SearchKind kind, const std::vector<std::string>& order_by) {
  std::vector<OrderClause> out;
  for (const auto& clause : order_by) out.push_back(parse_clause(kind, clause));
  if (kind == SearchKind::Versions && out.empty())
    out = {{OrderKey::UpdatedAt, false}, {OrderKey::Name, true}, {OrderKey::VersionNumber, false}};
  if (!has_key(out, OrderKey::Name)) out.push_back({OrderKey::Name, true});
  if (kind == SearchKind::Versions && !has_key(out, OrderKey::VersionNumber))
    out.push_back({OrderKey::VersionNumber, false});
  return out;
}

}  // namespace mreg
