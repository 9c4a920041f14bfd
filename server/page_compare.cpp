// Versions of a model side by side (/models/NAME/compare?v=1&v=2...), as `mreg compare` shows
// them: every field and tag, what differs from the first version (with numeric differences),
// and how each signature differs from the first one's.
#include <algorithm>

#include "mreg/compare.h"
#include "page_parts.h"

namespace mreg::server {
namespace {

std::string value_cell(const ComparedField& f, std::size_t i) {
  const auto& value = f.values[i];
  const bool differs = i > 0 && value != f.values[0];
  std::string out = std::string("<td") + (differs ? " class=\"differs\"" : "") + ">";
  if (!value) return out + "<span class=\"muted\">&ndash;</span></td>";
  out += escape(*value);
  if (f.differences[i]) out += " <span class=\"difference\">(" + escape(f.differences[i]->text) + ")</span>";
  return out + "</td>";
}

std::string rows(const std::vector<ComparedField>& fields, const std::string& prefix) {
  std::string out;
  for (const auto& f : fields) {
    if (std::none_of(f.values.begin(), f.values.end(), [](const auto& v) { return v.has_value(); })) continue;
    out += "<tr><th scope=\"row\">" + escape(prefix + f.field) + (f.differs() ? " <span class=\"muted\">*</span>" : "") +
           "</th>";
    for (std::size_t i = 0; i < f.values.size(); ++i) out += value_cell(f, i);
    out += "</tr>";
  }
  return out;
}

std::string schema_change_html(const SchemaChange& s) {
  const std::string column = "<code>" + escape(s.column) + "</code>";
  if (s.change == "added") return column + " added (" + escape(s.new_type) + ")";
  if (s.change == "removed") return column + " removed (" + escape(s.old_type) + ")";
  return column + " retyped " + escape(s.old_type) + " &rarr; " + escape(s.new_type);
}

}  // namespace

std::string compare_page(const Links& links, const View& view, const std::string& name,
                         const std::vector<std::int64_t>& numbers) {
  const RegisteredModel m = view.snapshot.get_registered_model(name);
  if (numbers.size() < 2)
    throw Error(ErrorCode::BAD_REQUEST, "Compare needs two or more versions of " + m.name + " (?v=1&v=2), got " +
                                            std::to_string(numbers.size()));
  std::vector<ModelVersion> versions;
  for (auto n : numbers) versions.push_back(view.snapshot.get_model_version(m.name, n));
  const VersionComparison c = compare_versions(versions);

  std::string labels;
  for (const auto& v : c.versions) labels += (labels.empty() ? "" : ", ") + std::to_string(v.version);
  const std::string title = "Compare " + m.name + " versions " + labels;
  std::string body = "<p>" + link(links.model(m.name), m.name) + "</p><h1>" + escape(title) + "</h1>";
  body += "<p class=\"muted\">Each version against version " + std::to_string(c.versions[0].version) +
          "; fields that differ are marked *, numbers with their difference.</p>";
  body += "<div class=\"scroll\"><table class=\"compare fit\"><thead><tr><th>Field</th>";
  for (const auto& v : c.versions)
    body += "<th scope=\"col\">" + link(links.version(v.name, v.version), "Version " + std::to_string(v.version)) + "</th>";
  body += "</tr></thead><tbody>" + rows(c.fields, "") + rows(c.tags, "tag ") + "</tbody></table></div>";

  body += "<h2>Signature</h2><ul class=\"signature-changes\">";
  for (std::size_t i = 1; i < c.versions.size(); ++i) {
    const std::string against =
        "version " + std::to_string(c.versions[i].version) + " against version " + std::to_string(c.versions[0].version);
    const auto& changes = c.signature_changes[i];
    if (changes.empty()) {
      const bool any = c.versions[0].signature.is_object() || c.versions[i].signature.is_object();
      body += "<li>" + escape(against) + ": " + (any ? "the same" : "none recorded") + "</li>";
      continue;
    }
    body += "<li>" + escape(against) + ":<ul>";
    for (const auto& s : changes) body += "<li>" + escape(s.section) + ": " + schema_change_html(s) + "</li>";
    body += "</ul></li>";
  }
  body += "</ul>";
  // Every cell may break anywhere: ids, keys and URLs fit a narrow screen.
  return page(links, title, "<div class=\"fit-cells\">" + body + "</div>");
}

}  // namespace mreg::server
