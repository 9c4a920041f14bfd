// Pieces the pages share: badges, the events table, the requests table.
#include <cctype>

#include "approvals_view.h"
#include "markdown.h"
#include "mreg/timefmt.h"
#include "page_parts.h"

namespace mreg::server {
namespace {

// A comment of an event or a request, in Markdown, under what it comments on.
std::string comment_html(const std::string& comment) {
  return "<div class=\"comment\">" + markdown(comment) + "</div>";
}

// The name a model has now: an event names its model as it was named then, and a page of
// it (a request's) is under the current name. Renames are read only for a name that is gone.
std::string current_model_name(const View& view, const std::string& name) {
  if (view.snapshot.has_model(name)) return name;
  LogQuery q;
  q.types = {"model_renamed"};
  const auto renames = read_log(view.registry, view.rev(), q);  // newest first
  std::string current = name;
  for (auto it = renames.rbegin(); it != renames.rend(); ++it)
    if (it->from == current) current = it->model;
  return current;
}

// What happened, in words, with links to the model, version and request (HTML).
std::string describe(const Links& links, const View& view, const Event& e) {
  const std::string model = e.model.empty() ? "" : link(links.model(e.model), e.model);
  const std::string what =
      e.version ? model + " " + link(links.version(e.model, e.version), "v" + std::to_string(e.version)) : model;
  const std::string from = escape(e.from), to = escape(e.to);
  const std::string request =
      e.request.empty() ? "" : request_link(links, current_model_name(view, e.model), e.request);
  const std::string by_request = e.request.empty() ? "" : " (approved request " + request + ")";
  if (e.type == "transitioned") return "moved " + what + ": " + from + " &rarr; " + to + by_request;
  if (e.type == "archived") return "archived " + what + ": " + from + " &rarr; " + to + " (side effect)";
  if (e.type == "alias_set")
    return "alias <span class=\"alias\">@" + escape(e.alias) + "</span> of " + model + ": " +
           (e.from.empty() ? "(none)" : "v" + from) + " &rarr; v" + to + by_request;
  if (e.type == "alias_deleted")
    return "alias <span class=\"alias\">@" + escape(e.alias) + "</span> of " + model + " deleted (was v" + from + ")";
  if (e.type == "model_renamed") return "renamed " + from + " &rarr; " + model;
  if (e.type.find("tag_set") != std::string::npos)
    return "tag " + escape(e.key) + "=" + escape(e.value) + " set on " + what;
  if (e.type.find("tag_deleted") != std::string::npos) return "tag " + escape(e.key) + " deleted from " + what;
  if (e.type == "commented") return "comment on " + what + ":" + comment_html(e.comment);
  if (e.type == "requested")
    return "requested " + what + " &rarr; " + escape(e.alias.empty() ? e.to : "@" + e.alias) + " (request " + request + ")";
  if (e.type == "approved") {
    // The signer, as `mreg log` names them, and whether the approval verifies as of its commit.
    const ApprovalVerdict v = approval_verdict_at(view.registry, e.commit, e.model, e.request, e.key, "");
    return "approved " + what + " &rarr; " + escape(e.alias.empty() ? e.to : "@" + e.alias) + " (request " + request +
           ") as <span class=\"approver " + verdict_class(v.code) + "\">" + escape(e.key) + "</span> " +
           verdict_html(v.code, v.ok() ? "" : v.message);
  }
  if (e.type == "rejected" || e.type == "cancelled") return e.type + " request " + request + " for " + what;
  if (e.type == "edited") {
    std::string fields;
    for (const auto& f : e.fields) fields += (fields.empty() ? "" : ", ") + escape(f);
    return "edited by hand <code>" + escape(e.path) + "</code>" + (fields.empty() ? "" : ": " + fields);
  }
  std::string type = e.type;
  for (auto& c : type)
    if (c == '_') c = ' ';
  return escape(type) + " " + what;
}

}  // namespace

std::string request_link(const Links& links, const std::string& model, const std::string& id) {
  return "<a href=\"" + escape(links.request(model, id)) + "\"><code>" + escape(id) + "</code></a>";
}

std::string stage_badge(const std::string& stage) {
  // The class takes only letters, so a stage name from mreg.yaml cannot leave the attribute.
  std::string cls;
  for (char c : stage)
    if (std::isalnum(static_cast<unsigned char>(c))) cls += c;
  return "<span class=\"stage stage-" + cls + "\">" + escape(stage) + "</span>";
}

std::string alias_badges(const std::vector<std::string>& aliases) {
  std::string out;
  for (const auto& a : aliases) out += "<span class=\"alias\">@" + escape(a) + "</span>";
  return out;
}

void field(std::string& out, const std::string& name, const std::string& html) {
  if (!html.empty()) out += "<dt>" + escape(name) + "</dt><dd>" + html + "</dd>";
}

std::string tag_badges(const std::map<std::string, std::string>& tags) {
  std::string out;
  for (const auto& [key, value] : tags)
    out += "<span class=\"tag\">" + escape(key) + (value.empty() ? "" : "=" + escape(value)) + "</span> ";
  return out;
}

std::string events_table(const Links& links, const View& view, const std::vector<Event>& events) {
  if (events.empty()) return "<p class=\"muted\">No activity.</p>";
  std::string out = "<table class=\"events\"><thead><tr><th>Time</th><th>Event</th><th>By</th><th>Commit</th></tr>"
                    "</thead><tbody>";
  for (const auto& e : events)
    out += "<tr><td>" + time_html(ms_of(e.time)) + "</td><td>" + describe(links, view, e) +
           (e.comment.empty() || e.type == "commented" ? "" : comment_html(e.comment)) + "</td><td>" +
           // An approval is the signer's, whoever committed it (a squash merge is the merger's).
           (e.type == "approved" ? escape(e.key) + "<span class=\"committer muted\">committed by " + escape(e.author) + "</span>"
                                 : escape(e.author)) +
           "</td><td>" + links.commit(e.commit) + "</td></tr>";
  return out + "</tbody></table>";
}

std::string requests_table(const Links& links, const View& view, const std::vector<RequestState>& requests,
                           std::int64_t version) {
  std::string out = "<table class=\"requests\"><thead><tr><th>Request</th><th>Version</th><th>Move</th>"
                    "<th>Requested</th><th>Outcome</th><th>Approvals</th></tr></thead><tbody>";
  for (const auto& st : requests) {
    const TransitionRequest& r = st.request;
    if (version > 0 && r.version != version) continue;
    std::string outcome = escape(st.outcome);
    if (!st.closed_by.empty()) outcome += " by " + escape(st.closed_by);
    if (!st.closed_commit.empty()) outcome += " " + links.commit(st.closed_commit);
    if (!st.closed_comment.empty()) outcome += comment_html(st.closed_comment);
    out += "<tr><td>" + request_link(links, r.model, r.id) + "</td><td>" +
           link(links.version(r.model, r.version), "v" + std::to_string(r.version)) + "</td><td>" +
           escape(r.from_stage) + " &rarr; " + escape(r.target()) + (r.comment.empty() ? "" : comment_html(r.comment)) +
           "</td><td>" + time_html(r.requested_at) + " by " + escape(r.requested_by) + "</td><td>" + outcome +
           "</td><td>" + approval_summary(view, st) + "</td></tr>";
  }
  return out + "</tbody></table>";
}

}  // namespace mreg::server
