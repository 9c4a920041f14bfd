// One request (/models/NAME/requests/ID): what it asks for, who asks (proven or claimed), each
// approval's signer, key and verdict, what it still needs, the commands that act on it, and
// the commits that concern it.
#include <cctype>

#include "approvals_view.h"
#include "markdown.h"
#include "page_parts.h"

namespace mreg::server {
namespace {

// A word for a POSIX shell: as it is when it holds nothing the shell reads, else in single quotes.
std::string shell_word(const std::string& s) {
  bool plain = !s.empty();
  for (unsigned char c : s)
    plain = plain && (std::isalnum(c) || std::string("._-/@:=+,").find(static_cast<char>(c)) != std::string::npos);
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string change_html(const Links& links, const TransitionRequest& r) {
  const std::string version = link(links.version(r.model, r.version), "version " + std::to_string(r.version));
  if (r.delete_version) return "Removal: delete " + version + " (in " + escape(r.from_stage) + ")";
  if (!r.remove_alias.empty())
    return "Removal: take <span class=\"alias\">@" + escape(r.remove_alias) + "</span> off " + version;
  if (!r.alias.empty()) return "Move: point <span class=\"alias\">@" + escape(r.alias) + "</span> at " + version;
  return "Move: " + version + " from " + stage_badge(r.from_stage) + " &rarr; " + stage_badge(r.to_stage) +
         (r.archive_existing ? " (archiving the versions in " + escape(r.to_stage) + ")" : "");
}

std::string requester_html(const TransitionRequest& r, const std::optional<RequestVerdict>& v) {
  if (!v) return escape(r.requested_by) + " <span class=\"muted\">(claimed: no trusted policy to check a signature)</span>";
  if (v->requester_proven())
    return "<span class=\"ok\">" + escape(v->requester) + "</span> <span class=\"verdict ok\">proven</span>" +
           "<span class=\"reason\">signed with key <code>" + escape(v->requester_key) + "</code></span>";
  return escape(r.requested_by) + " <span class=\"verdict " + verdict_class(v->requester_code) + "\">claimed</span>" +
         "<span class=\"reason\">" + escape(v->requester_code) + ": " + escape(v->requester_message) + "</span>";
}

std::string approvals_html(const std::optional<RequestVerdict>& v, std::size_t files) {
  if (!v) return "<p class=\"muted\">" + std::to_string(files) + " approval file(s); no trusted policy judges them.</p>";
  if (v->approvals.empty()) return "<p class=\"muted\">No approvals yet.</p>";
  std::string out = "<div class=\"scroll\"><table class=\"approvals fit\"><thead><tr><th>Principal</th><th>Key</th>"
                    "<th>Verdict</th></tr></thead><tbody>";
  for (const auto& a : v->approvals)
    out += "<tr class=\"" + verdict_class(a.code) + "\"><td>" + escape(a.principal) + "</td><td>" +
           (a.key.empty() ? "<span class=\"muted\">(unread)</span>" : "<code>" + escape(a.key) + "</code>") +
           "</td><td>" + verdict_html(a.code, a.ok() ? "" : a.message) + "</td></tr>";
  return out + "</tbody></table></div>";
}

std::string needed_html(const RequestState& st, const std::optional<RequestVerdict>& v) {
  if (st.outcome != "open")
    return "<p>Nothing: the request is " + escape(st.outcome) + ".</p>";
  if (!v) return "<p>No trusted policy protects this change: it needs no approval.</p>";
  if (!v->is_protected) return "<p>No rule of the policy protects this change: it needs no approval.</p>";
  if (v->justified())
    return "<p><span class=\"verdict ok\">approved</span> " + std::to_string(v->approved) + "/" +
           std::to_string(v->needed) + " approvals: it can be applied once merged.</p>";
  std::string out = "<ul class=\"needed\">";
  for (const auto& t : v->tallies) {
    std::string who;
    for (const auto& p : t.may_approve) who += (who.empty() ? "" : ", ") + escape(p);
    out += "<li>" + escape(t.rule) + ": " + std::to_string(t.approved_by.size()) + " of " + std::to_string(t.needed) +
           (t.missing() ? "; needs " + std::to_string(t.missing()) + " more" + (who.empty() ? "" : " from " + who)
                        : "; enough") +
           "</li>";
  }
  for (const auto& p : v->problems) out += "<li>" + verdict_html(p.code, p.message) + "</li>";
  return out + "</ul>";
}

std::string commands_html(const RequestState& st, const std::optional<RequestVerdict>& v) {
  if (st.outcome != "open") return "<p class=\"muted\">None: the request is " + escape(st.outcome) + ".</p>";
  const TransitionRequest& r = st.request;
  const std::string args = shell_word(r.model) + " " + shell_word(r.id);
  std::string out = "<pre class=\"commands\"><code># approve (an approver of the rule):\nmreg approve " + escape(args) +
                    "\n# reject (an approver of the rule):\nmreg reject " + escape(args) +
                    " --comment 'why'\n# cancel (the requester, or an admin):\nmreg cancel " + escape(args);
  if (!v || !v->is_protected || v->justified())
    out += "\n# apply it, once merged:\nmreg apply " + escape(args);
  return out + "</code></pre>";
}

}  // namespace

std::string request_page(const Links& links, const View& view, const std::string& name, const std::string& id) {
  const RegisteredModel m = view.snapshot.get_registered_model(name);
  std::optional<RequestState> found;
  for (auto& st : request_states(view.registry, view.rev(), m.name))
    if (st.request.id == id) found = std::move(st);
  if (!found) throw_not_found("Request '" + id + "' of model " + m.name + " not found");
  const RequestState& st = *found;
  const TransitionRequest& r = st.request;
  const std::optional<RequestVerdict> v = judge_request(view, st);

  std::string body = "<p>" + link(links.model(m.name), m.name) + "</p><h1>Request <code>" + escape(r.id) + "</code></h1>";
  body += "<dl class=\"fields\">";
  field(body, "Change", change_html(links, r));
  field(body, "Requested by", requester_html(r, v));
  field(body, "Requested", time_html(r.requested_at));
  std::string outcome = "<span class=\"outcome outcome-" + escape(st.outcome) + "\">" + escape(st.outcome) + "</span>";
  if (!st.closed_by.empty()) outcome += " by " + escape(st.closed_by);
  if (!st.closed_commit.empty()) outcome += " in " + links.commit(st.closed_commit);
  field(body, "Outcome", outcome);
  if (v && v->is_protected) field(body, "Rule", escape(v->rule));
  field(body, "Comment", r.comment.empty() ? "" : "<div class=\"comment\">" + markdown(r.comment) + "</div>");
  if (!st.closed_comment.empty())
    field(body, "Closing comment", "<div class=\"comment\">" + markdown(st.closed_comment) + "</div>");
  body += "</dl>";

  body += "<h2>Approvals</h2>";
  if (v && v->is_protected)
    body += "<p>" + std::to_string(v->approved) + "/" + std::to_string(v->needed) + " approvals count.</p>";
  body += approvals_html(v, st.approval_files);
  for (const auto& c : st.ignored_closings) body += "<p class=\"bad\">Ignored closing: " + escape(c) + "</p>";
  body += "<h2>Still needed</h2>" + needed_html(st, v);
  body += "<h2>Commands</h2>" + commands_html(st, v);

  // The commits that made, approved, closed or applied it.
  LogQuery q;
  q.model = m.name;
  std::vector<Event> events;
  for (auto& e : read_log(view.registry, view.rev(), q))
    if (e.request == r.id) events.push_back(std::move(e));
  body += "<h2>Commits</h2>" + events_table(links, view, events);
  // Every cell may break anywhere: ids, keys and URLs fit a narrow screen.
  return page(links, "Request " + r.id, "<div class=\"fit-cells\">" + body + "</div>");
}

}  // namespace mreg::server
