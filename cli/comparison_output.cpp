#include "comparison_output.h"

namespace mreg::cli {
namespace {

OrderedJson optional_text(const std::optional<std::string>& s) { return s ? OrderedJson(*s) : OrderedJson(nullptr); }

OrderedJson compared_json(const ComparedField& f, const char* name_key) {
  OrderedJson j;
  j[name_key] = f.field;
  OrderedJson values = OrderedJson::array(), differences = OrderedJson::array();
  for (const auto& v : f.values) values.push_back(optional_text(v));
  for (const auto& d : f.differences) differences.push_back(d ? OrderedJson(d->value) : OrderedJson(nullptr));
  j["values"] = values;
  j["differences"] = differences;
  j["differs"] = f.differs();
  return j;
}

OrderedJson schema_change_json(const SchemaChange& s) {
  return OrderedJson{{"section", s.section},
                     {"column", s.column},
                     {"change", s.change},
                     {"old_type", s.old_type.empty() ? OrderedJson(nullptr) : OrderedJson(s.old_type)},
                     {"new_type", s.new_type.empty() ? OrderedJson(nullptr) : OrderedJson(s.new_type)}};
}

}  // namespace

OrderedJson comparison_json(const VersionComparison& c) {
  OrderedJson versions = OrderedJson::array(), fields = OrderedJson::array(), tags = OrderedJson::array(),
              signature = OrderedJson::array();
  for (const auto& v : c.versions)
    versions.push_back(OrderedJson{{"name", v.name}, {"version", std::to_string(v.version)}, {"stage", v.stage}});
  for (const auto& f : c.fields) fields.push_back(compared_json(f, "field"));
  for (const auto& t : c.tags) tags.push_back(compared_json(t, "key"));
  for (std::size_t i = 1; i < c.versions.size(); ++i) {
    OrderedJson changes = OrderedJson::array();
    for (const auto& s : c.signature_changes[i]) changes.push_back(schema_change_json(s));
    signature.push_back(OrderedJson{{"version", std::to_string(c.versions[i].version)},
                                    {"against", std::to_string(c.versions[0].version)},
                                    {"changes", changes}});
  }
  return OrderedJson{{"versions", versions}, {"fields", fields}, {"tags", tags}, {"signature_changes", signature}};
}

std::string value_with_difference(const std::optional<std::string>& value,
                                  const std::optional<NumericDifference>& difference) {
  if (!value) return "-";
  return *value + (difference ? " (" + difference->text + ")" : "");
}

std::string schema_change_text(const SchemaChange& s) {
  if (s.change == "added") return ReportDoc::code(s.column) + " added (" + s.new_type + ")";
  if (s.change == "removed") return ReportDoc::code(s.column) + " removed (" + s.old_type + ")";
  return ReportDoc::code(s.column) + " retyped " + s.old_type + " -> " + s.new_type;
}

void add_comparison(ReportDoc& doc, const VersionComparison& c, const std::vector<std::string>& labels) {
  std::vector<std::string> header{"FIELD"};
  header.insert(header.end(), labels.begin(), labels.end());
  std::vector<std::vector<std::string>> rows;
  auto add = [&](const std::string& name, const ComparedField& f) {
    bool any = false;
    for (const auto& v : f.values) any = any || v.has_value();
    if (!any) return;
    std::vector<std::string> row{name + (f.differs() ? " *" : "")};
    for (std::size_t i = 0; i < f.values.size(); ++i) row.push_back(value_with_difference(f.values[i], f.differences[i]));
    rows.push_back(std::move(row));
  };
  for (const auto& f : c.fields) add(f.field, f);
  for (const auto& t : c.tags) add("tag " + t.field, t);
  doc.table(header, rows);
  // The signature: what each version changes of the first one's columns.
  for (std::size_t i = 1; i < c.versions.size(); ++i) {
    const auto& changes = c.signature_changes[i];
    const std::string against = labels[i] + " against " + labels[0];
    if (changes.empty()) {
      const bool any = c.versions[0].signature.is_object() || c.versions[i].signature.is_object();
      doc.item("signature of " + against + ": " + (any ? "the same" : "none recorded"));
      continue;
    }
    std::string text;
    std::string section;
    for (const auto& s : changes) {
      text += s.section != section ? std::string(text.empty() ? "" : "; ") + s.section + ": " : ", ";
      section = s.section;
      text += schema_change_text(s);
    }
    doc.item("signature of " + against + ": " + text);
  }
}

}  // namespace mreg::cli
