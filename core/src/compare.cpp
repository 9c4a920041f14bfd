// Versions side by side (compare.h).
#include "mreg/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <regex>
#include <set>

#include "mreg/timefmt.h"
#include "text.h"

namespace mreg {
namespace {

// Decimal text as people write metrics: sign, digits, a fraction, an exponent. Not
// "inf", "nan", hex or padded text, which strtod would also take.
const std::regex& number_pattern() {
  static const std::regex re("^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$");
  return re;
}

// How many decimals `text` is written with (in plain notation).
int decimals_of(const std::string& text) {
  auto e = text.find_first_of("eE");
  const std::string mantissa = text.substr(0, e);
  const auto dot = mantissa.find('.');
  int decimals = dot == std::string::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
  if (e != std::string::npos) {
    const long exponent = std::strtol(text.c_str() + e + 1, nullptr, 10);  // saturates
    decimals -= static_cast<int>(std::clamp(exponent, -1000L, 1000L));
  }
  return std::clamp(decimals, 0, 1000);
}

std::optional<double> parse_number(const std::string& text) {
  if (text.size() > 64 || !std::regex_match(text, number_pattern())) return std::nullopt;
  const double d = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<std::string> text_or_none(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// The type of one column: its "type", with the rest of its spec where there is more to it
// (tensor dtype and shape, array items); "(optional)" when it is not required.
std::string column_type(const Json& spec) {
  if (!spec.is_object()) return spec.dump();
  std::string type = spec.contains("type") && spec["type"].is_string() ? spec["type"].get<std::string>() : "";
  if (type == "tensor" && spec.contains("tensor-spec")) {
    const Json& t = spec["tensor-spec"];
    type = "tensor(" + (t.contains("dtype") && t["dtype"].is_string() ? t["dtype"].get<std::string>() : t.dump()) +
           (t.contains("shape") ? ", " + t["shape"].dump() : "") + ")";
  } else {
    Json rest = spec;
    rest.erase("name");
    rest.erase("required");
    if (!(rest.size() == 1 && rest.contains("type") && rest["type"].is_string())) type = rest.dump();
  }
  if (spec.contains("required") && spec["required"] == false) type += " (optional)";
  return type;
}

}  // namespace

std::optional<NumericDifference> numeric_difference(const std::string& a, const std::string& b) {
  const auto x = parse_number(a), y = parse_number(b);
  if (!x || !y) return std::nullopt;
  const int decimals = std::min(std::max(decimals_of(a), decimals_of(b)), 15);
  const double scale = std::pow(10.0, decimals);
  double d = std::round((*y - *x) * scale) / scale;
  if (d == 0) d = 0;  // no "-0"
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.*f", decimals, d);
  // Very large or small values: plain notation would be unreadable.
  if (std::fabs(d) >= 1e15 || std::string(buf).size() > 24) std::snprintf(buf, sizeof buf, "%+.6g", d);
  return NumericDifference{d, buf};
}

std::vector<SchemaColumn> signature_columns(const Json& section) {
  Json list = section;
  if (section.is_string()) {
    list = Json::parse(section.get<std::string>(), nullptr, false);
    if (list.is_discarded() || !list.is_array()) return {{"(schema)", section.get<std::string>()}};
  }
  if (!list.is_array()) return {{"(schema)", section.dump()}};
  std::vector<SchemaColumn> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Json& spec = list[i];
    std::string name = spec.is_object() && spec.contains("name") && spec["name"].is_string()
                           ? spec["name"].get<std::string>()
                           : "#" + std::to_string(i + 1);
    out.push_back({name, column_type(spec), !(spec.is_object() && spec.contains("required") && spec["required"] == false)});
  }
  return out;
}

std::vector<SchemaChange> signature_changes(const Json& before, const Json& after) {
  std::vector<std::string> sections;
  for (const Json* sig : {&after, &before})
    if (sig->is_object())
      for (auto it = sig->begin(); it != sig->end(); ++it)
        if (std::find(sections.begin(), sections.end(), it.key()) == sections.end()) sections.push_back(it.key());
  std::vector<SchemaChange> out;
  for (const auto& section : sections) {
    auto columns = [&](const Json& sig) {
      return sig.is_object() && sig.contains(section) && !sig[section].is_null() ? signature_columns(sig[section])
                                                                                : std::vector<SchemaColumn>{};
    };
    const auto old_columns = columns(before), new_columns = columns(after);
    std::map<std::string, std::string> old_types;
    for (const auto& c : old_columns) old_types.emplace(c.name, c.type);
    std::set<std::string> seen;
    for (const auto& c : new_columns) {
      seen.insert(c.name);
      auto it = old_types.find(c.name);
      if (it == old_types.end()) out.push_back({section, c.name, "added", "", c.type});
      else if (it->second != c.type) out.push_back({section, c.name, "retyped", it->second, c.type});
    }
    for (const auto& c : old_columns)
      if (!seen.count(c.name)) out.push_back({section, c.name, "removed", c.type, ""});
  }
  return out;
}

bool ComparedField::differs() const {
  for (const auto& v : values)
    if (v != values.front()) return true;
  return false;
}

std::vector<std::pair<std::string, std::string>> version_field_values(const ModelVersion& v) {
  std::vector<std::pair<std::string, std::string>> out{
      {"stage", v.stage},
      {"stage_request", v.stage_request},
      {"aliases", join(v.aliases, ", ")},
      {"description", v.description},
      {"source", v.source},
      {"run_id", v.run_id},
      {"run_link", v.run_link},
      {"experiment_id", v.experiment_id},
      {"model_id", v.model_id},
      {"storage_location", v.storage_location},
      {"digest", v.digest},
      {"flavors", join(v.flavors, ", ")},
      {"signature", v.signature.is_object() ? v.signature.dump() : ""},
      {"copied_from", v.copied_from.empty() ? "" : v.copied_from.display()},
      {"status", v.status},
      {"status_message", v.status_message},
      {"created_at", v.created_at ? format_rfc3339_ms(v.created_at) : ""},
      {"created_by", v.created_by},
  };
  for (const auto& [k, value] : v.tags) out.emplace_back("tags." + k, value);
  return out;
}

VersionComparison compare_versions(std::vector<ModelVersion> versions) {
  VersionComparison c;
  c.versions = std::move(versions);
  static const std::vector<std::string> kFields{"stage",  "aliases", "source",      "run_id",     "run_link",
                                                "experiment_id", "model_id", "storage_location", "digest", "flavors", "copied_from", "created_at",
                                                "created_by"};
  std::vector<std::map<std::string, std::string>> values;
  for (const auto& v : c.versions) {
    auto fields = version_field_values(v);
    values.emplace_back(fields.begin(), fields.end());
  }
  auto compared = [&](const std::string& field, const std::string& key) {
    ComparedField f;
    f.field = field;
    for (const auto& vals : values) {
      auto it = vals.find(key);
      f.values.push_back(it == vals.end() ? std::nullopt : text_or_none(it->second));
    }
    f.differences.resize(f.values.size());
    for (std::size_t i = 1; i < f.values.size(); ++i)
      if (f.values[0] && f.values[i] && *f.values[0] != *f.values[i])
        f.differences[i] = numeric_difference(*f.values[0], *f.values[i]);
    return f;
  };
  for (const auto& name : kFields) c.fields.push_back(compared(name, name));
  std::set<std::string> keys;
  for (const auto& v : c.versions)
    for (const auto& [k, value] : v.tags) keys.insert(k);
  for (const auto& k : keys) {
    ComparedField f = compared(k, "tags." + k);
    // A tag is there even when empty: an empty value is still a value.
    for (std::size_t i = 0; i < c.versions.size(); ++i)
      if (auto it = c.versions[i].tags.find(k); it != c.versions[i].tags.end()) f.values[i] = it->second;
    c.tags.push_back(std::move(f));
  }
  c.signature_changes.resize(c.versions.size());
  for (std::size_t i = 1; i < c.versions.size(); ++i)
    c.signature_changes[i] = signature_changes(c.versions[0].signature, c.versions[i].signature);
  return c;
}

}  // namespace mreg
