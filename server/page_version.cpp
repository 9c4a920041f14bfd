// One version: every field and its lineage, stage history, requests and
// approvals, and its activity with the commit that made each change.
#include "markdown.h"
#include "page_parts.h"

namespace mreg::server {
namespace {

void field(std::string& out, const std::string& name, const std::string& html) {
  if (!html.empty()) out += "<dt>" + escape(name) + "</dt><dd>" + html + "</dd>";
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
  field(body, "Digest", v.digest.empty() ? "" : "<code>" + escape(v.digest) + "</code>");
  std::string flavors;
  for (const auto& f : v.flavors) flavors += (flavors.empty() ? "" : ", ") + escape(f);
  field(body, "Flavors", flavors);
  if (v.signature.is_object())
    field(body, "Signature", "<pre>" + escape(v.signature.dump(2, ' ', false, Json::error_handler_t::replace)) + "</pre>");
  if (!v.copied_from.empty()) field(body, "Copied from", "<code>" + escape(v.copied_from.display()) + "</code>");
  field(body, "Created", time_html(v.created_at) + " by " + escape(v.created_by));
  field(body, "Last updated", time_html(v.updated_at));
  field(body, "Stage request", escape(v.stage_request));
  body += "</dl>";

  if (!v.tags.empty()) {
    body += "<h2>Tags</h2><table class=\"tags\"><thead><tr><th>Key</th><th>Value</th></tr></thead><tbody>";
    for (const auto& [k, val] : v.tags) body += "<tr><td>" + escape(k) + "</td><td>" + escape(val) + "</td></tr>";
    body += "</tbody></table>";
  }

  body += "<h2>Stage history</h2><table class=\"stage-history\"><thead><tr><th>Stage</th><th>Since</th><th>Until</th>"
          "</tr></thead><tbody>";
  for (const auto& i : stage_history(view.registry, view.rev(), v.name, "")) {
    if (i.version != v.version) continue;
    body += "<tr><td>" + stage_badge(i.stage) + "</td><td>" + time_html(i.since) + " " + links.commit(i.since_commit) +
            "</td><td>" + (i.until ? time_html(*i.until) + " " + links.commit(i.until_commit) : "(now)") + "</td></tr>";
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
  body += "<h2>Activity</h2>" + events_table(links, read_log(view.registry, view.rev(), q));
  return page(links, title, body);
}

}  // namespace mreg::server
