// One model: description, tags, aliases, versions a page at a time, open requests, activity.
// A broken model (a file of its folder does not read) shows its problems and what reads.
#include <algorithm>

#include "markdown.h"
#include "page_parts.h"
#include "paging.h"

namespace mreg::server {
namespace {

constexpr std::size_t kVersionsPerPage = 50;
constexpr std::size_t kEventsShown = 50;

std::string tags_table(const std::map<std::string, std::string>& tags) {
  std::string out = "<table class=\"tags\"><thead><tr><th scope=\"col\">Key</th><th scope=\"col\">Value</th></tr>"
                    "</thead><tbody>";
  for (const auto& [k, v] : tags) out += "<tr><td>" + escape(k) + "</td><td class=\"wrap\">" + escape(v) + "</td></tr>";
  return out + "</tbody></table>";
}

std::string version_row(const Links& links, const ModelVersion& v) {
  const std::string run_url = links.run_url(v);
  const std::string run = v.run_id.empty() ? "" : run_url.empty() ? "<code>" + escape(v.run_id) + "</code>"
                                                                  : "<a href=\"" + escape(run_url) + "\"><code>" +
                                                                        escape(v.run_id) + "</code></a>";
  // The box belongs to the compare form below the table (form="compare").
  return "<tr><td data-label=\"Version\"><input type=\"checkbox\" name=\"v\" form=\"compare\" value=\"" +
         std::to_string(v.version) + "\" aria-label=\"Compare version " + std::to_string(v.version) + "\"> " +
         link(links.version(v.name, v.version), "Version " + std::to_string(v.version)) +
         "</td><td data-label=\"Stage\">" + stage_badge(v.stage) + "</td><td data-label=\"Aliases\">" +
         alias_badges(v.aliases) + "</td><td data-label=\"Tags\">" + tag_badges(v.tags) + "</td><td data-label=\"Created\">" +
         time_html(v.created_at) + "</td><td data-label=\"By\" class=\"wrap\">" + escape(v.created_by) +
         "</td><td data-label=\"Source\" class=\"wrap\">" + escape(v.source) + "</td><td data-label=\"Run\" class=\"wrap\">" +
         run + "</td></tr>";
}

// Newest first, a page at a time; the page past the last shows the last.
std::string versions_section(const Links& links, const std::string& name, const std::vector<ModelVersion>& versions,
                             std::size_t page_number) {
  std::string out = "<h2>Versions</h2>";
  if (versions.empty()) return out + "<p class=\"muted\">No versions yet.</p>";
  const std::size_t pages = (versions.size() + kVersionsPerPage - 1) / kVersionsPerPage;
  const std::size_t current = std::min(page_number, pages);
  const std::size_t newest = versions.size() - (current - 1) * kVersionsPerPage;  // one past, in ascending order
  const std::size_t oldest = newest > kVersionsPerPage ? newest - kVersionsPerPage : 0;
  out += "<p class=\"muted\">" + std::to_string(versions.size()) + (versions.size() == 1 ? " version" : " versions") +
         "</p><table class=\"versions cards\"><thead><tr><th scope=\"col\">Version</th><th scope=\"col\">Stage</th>"
         "<th scope=\"col\">Aliases</th><th scope=\"col\">Tags</th><th scope=\"col\">Created</th><th scope=\"col\">By</th>"
         "<th scope=\"col\">Source</th><th scope=\"col\">Run</th></tr></thead><tbody>";
  for (std::size_t i = newest; i-- > oldest;) out += version_row(links, versions[i]);
  out += "</tbody></table>";
  if (versions.size() > 1)
    out += "<form id=\"compare\" class=\"compare\" method=\"get\" action=\"" + escape(links.compare(name, {})) +
           "\"><button type=\"submit\">Compare the checked versions</button></form>";
  return out + pager([&](std::size_t n) { return with_query(links.model(name), {{"page", n > 1 ? std::to_string(n) : ""}}); },
                     current, current < pages, pages, "versions");
}

std::string broken_page(const Links& links, const ModelSummary& s) {
  std::string body = "<h1>" + escape(s.model.name) + " <span class=\"broken-badge\">broken</span></h1>"
                     "<div class=\"error\" role=\"alert\"><p>Files of this model do not read, so it is shown with "
                     "what does; <code>mreg check</code> reports the same:</p><ul class=\"problems\">";
  for (const auto& p : s.problems) body += "<li><code>" + escape(p.to_string()) + "</code></li>";
  body += "</ul></div>";
  if (!s.model.description.empty()) body += "<div class=\"description\">" + markdown(s.model.description) + "</div>";
  body += "<h2>Latest versions that read</h2>";
  if (s.latest_versions.empty()) return page(links, s.model.name + " (broken)", body + "<p class=\"muted\">None.</p>");
  body += "<ul>";
  for (const auto& v : s.latest_versions)
    body += "<li>" + stage_badge(v.stage) + " " + link(links.version(v.name, v.version), "Version " + std::to_string(v.version)) +
            "</li>";
  return page(links, s.model.name + " (broken)", body + "</ul>");
}

}  // namespace

std::string model_page(const Links& links, const View& view, const std::string& name, std::size_t page_number) {
  const Snapshot& s = view.snapshot;
  const ModelSummary summary = s.summarize_model(name);
  if (!summary.problems.empty()) return broken_page(links, summary);
  const RegisteredModel& m = summary.model;
  const auto versions = s.get_model_versions(name);

  std::string body = "<h1>" + escape(m.name) + "</h1>";
  body += "<p class=\"muted\">Created " + time_html(m.created_at) + " by " + escape(m.created_by) +
          " &middot; last modified " + time_html(m.updated_at) + "</p>";
  body += m.description.empty() ? "<p class=\"muted\">No description.</p>"
                                : "<div class=\"description\">" + markdown(m.description) + "</div>";

  if (!m.tags.empty()) body += "<h2>Tags</h2>" + tags_table(m.tags);
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
  body += versions_section(links, m.name, versions, page_number);

  std::vector<RequestState> open;
  for (auto& r : request_states(view.registry, view.rev(), name))
    if (r.outcome == "open") open.push_back(std::move(r));
  body += "<h2>Open requests</h2>";
  body += open.empty() ? "<p class=\"muted\">None.</p>" : requests_table(links, view, open, 0);

  LogQuery q;
  q.model = name;
  q.limit = kEventsShown + 1;  // one more than shown: are there older ones?
  auto events = read_log(view.registry, view.rev(), q);
  const bool more = events.size() > kEventsShown;
  if (more) events.resize(kEventsShown);
  body += "<h2>Activity</h2>" + events_table(links, view, events);
  if (more)
    body += "<nav class=\"pages\" aria-label=\"Older activity\"><a rel=\"next\" href=\"" +
            escape(with_query(links.activity(), {{"model", name}, {"page", "2"}})) + "\">Older activity &rarr;</a></nav>";
  return page(links, m.name, body);
}

}  // namespace mreg::server
