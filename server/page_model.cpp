// One model: description, tags, aliases, versions, open requests, activity.
#include "markdown.h"
#include "page_parts.h"

namespace mreg::server {

std::string model_page(const Links& links, const View& view, const std::string& name) {
  const Snapshot& s = view.snapshot;
  const RegisteredModel m = s.get_registered_model(name);
  const auto versions = s.get_model_versions(name);

  std::string body = "<h1>" + escape(m.name) + "</h1>";
  body += "<p class=\"muted\">Created " + time_html(m.created_at) + " by " + escape(m.created_by) +
          " &middot; last modified " + time_html(m.updated_at) + "</p>";
  body += m.description.empty() ? "<p class=\"muted\">No description.</p>"
                                : "<div class=\"description\">" + markdown(m.description) + "</div>";

  if (!m.tags.empty()) {
    body += "<h2>Tags</h2><table class=\"tags\"><thead><tr><th>Key</th><th>Value</th></tr></thead><tbody>";
    for (const auto& [k, v] : m.tags) body += "<tr><td>" + escape(k) + "</td><td>" + escape(v) + "</td></tr>";
    body += "</tbody></table>";
  }
  if (!m.aliases.empty()) {
    body += "<h2>Aliases</h2><ul class=\"aliases\">";
    for (const auto& [alias, version] : m.aliases) {
      const auto request = m.alias_requests.find(alias);
      body += "<li><span class=\"alias\">@" + escape(alias) + "</span> &rarr; " +
              link(links.version(m.name, version), "version " + std::to_string(version)) +
              (request == m.alias_requests.end() ? "" : " (request " + request_link(links, m.name, request->second) + ")") +
              "</li>";
    }
    body += "</ul>";
  }

  body += "<h2>Versions</h2>";
  if (versions.empty()) {
    body += "<p class=\"muted\">No versions yet.</p>";
  } else {
    body += "<table class=\"versions\"><thead><tr><th>Version</th><th>Stage</th><th>Aliases</th><th>Created</th>"
            "<th>By</th><th>Source</th><th>Run</th></tr></thead><tbody>";
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      const ModelVersion& v = *it;
      const std::string run_url = links.run_url(v);
      const std::string run = v.run_id.empty() ? "" : run_url.empty() ? "<code>" + escape(v.run_id) + "</code>"
                                                                        : "<a href=\"" + escape(run_url) + "\"><code>" +
                                                                              escape(v.run_id) + "</code></a>";
      // The box belongs to the compare form below the table (form="compare").
      body += "<tr><td><input type=\"checkbox\" name=\"v\" form=\"compare\" value=\"" + std::to_string(v.version) +
              "\" aria-label=\"Compare version " + std::to_string(v.version) + "\"> " +
              link(links.version(v.name, v.version), "Version " + std::to_string(v.version)) + "</td><td>" +
              stage_badge(v.stage) + "</td><td>" + alias_badges(v.aliases) + "</td><td>" + time_html(v.created_at) +
              "</td><td>" + escape(v.created_by) + "</td><td class=\"wrap\">" + escape(v.source) + "</td><td>" + run +
              "</td></tr>";
    }
    body += "</tbody></table>";
    if (versions.size() > 1)
      body += "<form id=\"compare\" class=\"compare\" method=\"get\" action=\"" + escape(links.compare(m.name, {})) +
              "\"><button type=\"submit\">Compare the checked versions</button></form>";
  }

  std::vector<RequestState> open;
  for (auto& r : request_states(view.registry, view.rev(), name))
    if (r.outcome == "open") open.push_back(std::move(r));
  body += "<h2>Open requests</h2>";
  body += open.empty() ? "<p class=\"muted\">None.</p>" : requests_table(links, view, open, 0);

  LogQuery q;
  q.model = name;
  q.limit = 50;
  body += "<h2>Activity</h2>" + events_table(links, view, read_log(view.registry, view.rev(), q));
  return page(links, m.name, body);
}

}  // namespace mreg::server
