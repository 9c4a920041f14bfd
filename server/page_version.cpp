// One version: every field and its lineage, its signature as tables, how to load it,
// stage history, requests and approvals, comments, and its activity with the commit
// that made each change.
#include <algorithm>
#include <map>

#include "markdown.h"
#include "mreg/timefmt.h"
#include "mreg/compare.h"
#include "page_parts.h"

namespace mreg::server {
namespace {

// The signature as MLflow shows it: a table of columns (name, type, required) per section.
std::string signature_html(const Json& signature) {
  std::string out;
  for (auto it = signature.begin(); it != signature.end(); ++it) {
    if (it.value().is_null()) continue;
    out += "<table class=\"signature fit\"><caption>" + escape(it.key()) +
           "</caption><thead><tr><th>Name</th><th>Type</th><th>Required</th></tr></thead><tbody>";
    for (const auto& c : signature_columns(it.value())) {
      // The type without the "(optional)" that the Required column says.
      const std::string optional = " (optional)";
      const bool marked = !c.required && c.type.size() > optional.size() &&
                          c.type.compare(c.type.size() - optional.size(), optional.size(), optional) == 0;
      out += "<tr><td>" + escape(c.name) + "</td><td><code>" +
             escape(marked ? c.type.substr(0, c.type.size() - optional.size()) : c.type) + "</code></td><td>" +
             (c.required ? "yes" : "no") + "</td></tr>";
    }
    out += "</tbody></table>";
  }
  return out;
}

// The version's URI, to copy, and the two ways to use it.
std::string usage_html(const ModelVersion& v) {
  const std::string uri = "models:/" + v.name + "/" + std::to_string(v.version);
  return "<h2>Use it</h2><p>URI: <code class=\"uri\">" + escape(uri) + "</code></p>"
         "<pre class=\"commands\"><code>mreg resolve " + escape(uri) + "\n"
         "mlflow.pyfunc.load_model(\"" + escape(uri) + "\")</code></pre>";
}

// Links to compare this version with the newest one now in each other stage, and the one
// before it. Read from the stage history the page shows anyway: reading every version's file
// would double the cost of a first visit.
std::string compare_links(const Links& links, const ModelVersion& v, const std::vector<StageInterval>& history) {
  std::map<std::string, std::int64_t> newest;  // stage -> version in it now
  std::int64_t previous = 0;
  for (const auto& i : history) {
    if (!i.until) newest[i.stage] = std::max(newest[i.stage], i.version);
    if (i.version < v.version) previous = std::max(previous, i.version);
  }
  std::vector<std::pair<std::int64_t, std::string>> others;  // version, why it is offered
  auto offer = [&](std::int64_t n, const std::string& why) {
    const bool known = n == v.version || std::any_of(others.begin(), others.end(), [&](const auto& o) { return o.first == n; });
    if (n > 0 && !known) others.emplace_back(n, why);
  };
  for (const auto& [stage, n] : newest) offer(n, "with version " + std::to_string(n) + " (" + stage + ")");
  offer(previous, "with the version before it (" + std::to_string(previous) + ")");
  std::string out;
  for (const auto& [n, why] : others)
    out += "<li>" + link(links.compare(v.name, {std::min(n, v.version), std::max(n, v.version)}), why) + "</li>";
  return out.empty() ? "" : "<h2>Compare</h2><ul class=\"compare-links\">" + out + "</ul>";
}

}  // namespace

std::string version_page(const Links& links, const View& view, const std::string& name, std::int64_t number) {
  const ModelVersion v = view.snapshot.get_model_version(name, number);
  const std::string title = v.name + " version " + std::to_string(v.version);

  std::string body = "<p>" + link(links.model(v.name), v.name) + "</p><h1>" + escape(title) + "</h1>";
  body += "<dl class=\"fields\">";
  field(body, "Stage", stage_badge(v.stage));
  field(body, "Aliases", alias_badges(v.aliases));
  field(body, "Status", escape(v.status) + (v.status_message.empty() ? "" : ": " + escape(v.status_message)));
  field(body, "Description", v.description.empty() ? "" : "<div class=\"description\">" + markdown(v.description) + "</div>");
  field(body, "Source", "<code>" + escape(v.source) + "</code>");
  const std::string run_url = links.run_url(v);
  if (!v.run_id.empty())
    field(body, "Run", run_url.empty() ? "<code>" + escape(v.run_id) + "</code>"
                                       : "<a href=\"" + escape(run_url) + "\"><code>" + escape(v.run_id) + "</code></a>");
  if (!v.run_link.empty() && run_url != v.run_link) field(body, "Run link", escape(v.run_link));
  field(body, "Experiment", escape(v.experiment_id));
  field(body, "Model id", v.model_id.empty() ? "" : "<code>" + escape(v.model_id) + "</code>");
  field(body, "Storage location", v.storage_location.empty() ? "" : "<code>" + escape(v.storage_location) + "</code>");
  field(body, "Digest", v.digest.empty() ? "" : "<code>" + escape(v.digest) + "</code>");
  std::string flavors;
  for (const auto& f : v.flavors) flavors += (flavors.empty() ? "" : ", ") + escape(f);
  field(body, "Flavors", flavors);
  if (v.signature.is_object()) field(body, "Signature", signature_html(v.signature));
  if (!v.copied_from.empty()) field(body, "Copied from", "<code>" + escape(v.copied_from.display()) + "</code>");
  field(body, "Created", time_html(v.created_at) + " by " + escape(v.created_by));
  field(body, "Last updated", time_html(v.updated_at));
  field(body, "Stage request", v.stage_request.empty() ? "" : request_link(links, v.name, v.stage_request));
  body += "</dl>";
  body += usage_html(v);

  if (!v.tags.empty()) {
    body += "<h2>Tags</h2><table class=\"tags\"><thead><tr><th>Key</th><th>Value</th></tr></thead><tbody>";
    for (const auto& [k, val] : v.tags) body += "<tr><td>" + escape(k) + "</td><td>" + escape(val) + "</td></tr>";
    body += "</tbody></table>";
  }

  const auto history = stage_history(view.registry, view.rev(), v.name, "");
  body += compare_links(links, v, history);

  body += "<h2>Stage history</h2><table class=\"stage-history\"><thead><tr><th>Stage</th><th>Since</th><th>Until</th>"
          "</tr></thead><tbody>";
  for (const auto& i : history) {
    if (i.version != v.version) continue;
    body += "<tr><td>" + stage_badge(i.stage) + "</td><td>" + time_html(ms_of(i.since)) + " " + links.commit(i.since_commit) +
            "</td><td>" + (i.until ? time_html(ms_of(*i.until)) + " " + links.commit(i.until_commit) : "(now)") + "</td></tr>";
  }
  body += "</tbody></table>";

  body += "<h2>Requests</h2>";
  const auto requests = request_states(view.registry, view.rev(), v.name);
  bool any = false;
  for (const auto& r : requests) any = any || r.request.version == v.version;
  body += any ? requests_table(links, view, requests, v.version) : "<p class=\"muted\">None.</p>";

  LogQuery q;
  q.model = v.name;
  q.version = v.version;
  q.limit = 100;
  const auto events = read_log(view.registry, view.rev(), q);
  body += "<h2>Comments</h2>";
  std::vector<Event> comments;
  for (const auto& e : events)
    if (e.type == "commented") comments.push_back(e);
  body += comments.empty() ? "<p class=\"muted\">None. <code>mreg comment " + escape(v.name) + " " +
                                 std::to_string(v.version) + " TEXT</code> adds one.</p>"
                           : events_table(links, view, comments);
  body += "<h2>Activity</h2>" + events_table(links, view, events);
  // Every cell may break anywhere: ids, keys and URLs fit a narrow screen.
  return page(links, title, "<div class=\"fit-cells\">" + body + "</div>");
}

}  // namespace mreg::server
