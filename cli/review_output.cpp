#include "review_output.h"

#include "comparison_output.h"
#include "mreg/timefmt.h"
#include "output.h"
#include "verify_json.h"

namespace mreg::cli {
namespace {

OrderedJson optional_json(const std::optional<std::string>& s) { return s ? OrderedJson(*s) : OrderedJson(nullptr); }

// "m v3 None -> Production"
std::string move_text(const TransitionRequest& r) {
  return r.model + " v" + std::to_string(r.version) + " " + r.from_stage + " -> " + r.target() +
         (r.archive_existing ? " (archiving the others)" : "");
}

OrderedJson request_review_json(const RequestReview& rr) {
  const RequestVerdict& v = rr.verdict;
  const TransitionRequest& r = v.request;
  OrderedJson j = request_json(r);
  j["state"] = rr.state;
  j["on_branch"] = rr.on_branch;
  j["requester"] = OrderedJson{{"proven", v.requester_proven()},
                               {"principal", text_or_null(v.requester)},
                               {"key", text_or_null(v.requester_key)},
                               {"verdict", v.requester_code},
                               {"message", v.requester_message}};
  j["protected"] = v.is_protected;
  j["rule"] = text_or_null(v.rule);
  j["needed"] = v.needed;
  j["approved"] = v.approved;
  j["approvers"] = v.approvers;
  OrderedJson rules = OrderedJson::array();
  for (const auto& t : v.tallies)
    rules.push_back(OrderedJson{{"rule", t.rule},
                                {"needed", t.needed},
                                {"approved_by", t.approved_by},
                                {"missing", t.missing()},
                                {"may_approve", t.may_approve}});
  j["rules"] = rules;
  OrderedJson approvals = OrderedJson::array();
  for (const auto& a : v.approvals) approvals.push_back(approval_json(a));
  j["approvals"] = approvals;
  OrderedJson closings = OrderedJson::array();
  for (const auto& c : rr.closings)
    closings.push_back(OrderedJson{{"path", c.path},
                                   {"principal", c.principal},
                                   {"outcome", c.outcome},
                                   {"key", c.key},
                                   {"verdict", c.code},
                                   {"message", c.message}});
  j["closings"] = closings;
  j["justified"] = v.justified();
  OrderedJson problems = OrderedJson::array();
  for (const auto& p : v.problems) problems.push_back(finding_json(p));
  j["problems"] = problems;
  if (rr.promotion) {
    const Promotion& p = *rr.promotion;
    j["promotion"] = OrderedJson{{"target", p.target},
                                 {"current", p.current ? to_mlflow_json(*p.current) : OrderedJson(nullptr)},
                                 {"candidate", to_mlflow_json(p.candidate)},
                                 {"comparison", comparison_json(p.comparison)}};
  } else {
    j["promotion"] = nullptr;
  }
  return j;
}

std::string requester_text(const RequestVerdict& v) {
  const std::string who = v.request.requested_by + (v.request.requested_at ? " at " + format_rfc3339_ms(v.request.requested_at) : "");
  if (v.requester_proven()) return who + "; proven: signed with " + ReportDoc::code(v.requester_key);
  return who + "; " + ReportDoc::strong("not proven") + " (" + v.requester_code + ": " + v.requester_message + ")";
}

// Who still has to approve, rule by rule: "1 more of bob@example.com, dave@example.com".
std::string pending_text(const RequestVerdict& v) {
  std::vector<std::string> parts;
  for (const auto& t : v.tallies) {
    if (t.missing() == 0) continue;
    std::string part = std::to_string(t.missing()) + " more of " +
                       (t.may_approve.empty() ? std::string("nobody left who may") : join(t.may_approve, ", "));
    if (v.tallies.size() > 1) part += " (" + t.rule + ")";
    parts.push_back(part);
  }
  return parts.empty() ? "nobody: the approvals are enough" : join(parts, "; ");
}

void add_request(ReportDoc& doc, const RequestReview& rr, bool policy) {
  const RequestVerdict& v = rr.verdict;
  const TransitionRequest& r = v.request;
  const bool closed = rr.state == "rejected" || rr.state == "cancelled";
  doc.heading(3, "Request " + ReportDoc::code(r.id) + ": " + (r.model.empty() ? "(unreadable)" : move_text(r)));
  std::vector<std::pair<std::string, std::string>> f{
      {"on this branch", join(rr.on_branch)}, {"state", rr.state}, {"requested by", requester_text(v)}};
  if (!r.comment.empty()) f.emplace_back("comment", r.comment);
  if (!policy) f.emplace_back("protected", "no trusted policy (give the trusted root)");
  else if (!v.is_protected) f.emplace_back("protected", "no: no rule of the policy governs this change");
  else {
    f.emplace_back("protected", "yes: " + v.rule);
    f.emplace_back("approvals", std::to_string(v.approved) + " of " + std::to_string(v.needed) + " needed" +
                                    (v.approvers.empty() ? "" : " (" + join(v.approvers) + ")"));
    f.emplace_back("still to approve", closed ? "nobody: the request is " + rr.state : pending_text(v));
  }
  // A closed request is listed for what the branch did to it; whether it would be justified is moot.
  std::vector<std::string> codes;
  for (const auto& p : v.problems) codes.push_back(p.code);
  f.emplace_back("verdict", closed            ? ReportDoc::strong(rr.state)
                            : v.justified() ? ReportDoc::strong("justified")
                                            : ReportDoc::strong("not justified") + ": " + join(codes));
  doc.fields(f);
  if (!v.approvals.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : v.approvals)
      rows.push_back({a.principal, a.key.empty() ? "-" : ReportDoc::code(a.key), ReportDoc::strong(a.code), a.message});
    doc.table({"APPROVER", "KEY", "VERDICT", "MESSAGE"}, rows);
  }
  if (!rr.closings.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : rr.closings)
      rows.push_back({c.principal, c.outcome, c.key.empty() ? "-" : ReportDoc::code(c.key), ReportDoc::strong(c.code), c.message});
    doc.table({"CLOSED BY", "OUTCOME", "KEY", "VERDICT", "MESSAGE"}, rows);
  }
  if (!closed)
    for (const auto& p : v.problems) doc.item(ReportDoc::strong(p.code) + ": " + p.message);
  if (!rr.promotion) return;
  const Promotion& p = *rr.promotion;
  const std::string candidate = "v" + std::to_string(p.candidate.version) + " (candidate)";
  if (!p.current) {
    doc.line("No version holds " + p.target + " on the base now: " + r.model + " " + candidate + " alone.");
    add_comparison(doc, p.comparison, {candidate});
    return;
  }
  const std::string current = "v" + std::to_string(p.current->version) + " (" + p.target + " now)";
  doc.line(r.model + " " + candidate + " beside " + current + "; * marks what differs:");
  add_comparison(doc, p.comparison, {current, candidate});
}

void add_verify(ReportDoc& doc, const BranchReview& review) {
  const VerifyReport& v = review.verify;
  doc.heading(2, "Verify");
  std::string scope = "mreg verify --base " + review.base + " (" +
                      (v.policy_version ? "policy version " + std::to_string(v.policy_version) : "no trusted policy") +
                      (v.root_pinned ? ", root pinned" : "") + ")";
  if (v.ok()) doc.line(ReportDoc::strong("OK") + ": every protected move is justified; " + scope);
  else doc.line(ReportDoc::strong("FAIL") + ": " + std::to_string(v.problems.size()) + " problem(s); " + scope);
  for (const auto& p : v.problems)
    doc.item(ReportDoc::strong(p.code) + (p.path.empty() ? "" : " " + ReportDoc::code(p.path)) + ": " + p.message);
  for (const auto& p : v.warnings)
    doc.item("warning " + ReportDoc::strong(p.code) + (p.path.empty() ? "" : " " + ReportDoc::code(p.path)) + ": " + p.message);
}

void add_versions(ReportDoc& doc, const BranchReview& review) {
  doc.heading(2, "Versions (" + std::to_string(review.versions.size()) + ")");
  if (review.versions.empty()) doc.line("The branch adds, changes and deletes no version.");
  for (const auto& c : review.versions) {
    doc.heading(3, c.model + " v" + std::to_string(c.version) + ": " + c.change);
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : c.fields)
      rows.push_back({f.field, f.before ? *f.before : "-", value_with_difference(f.after, f.difference)});
    doc.table({"FIELD", "BEFORE", "AFTER"}, rows);
  }
}

}  // namespace

OrderedJson review_json(const BranchReview& review) {
  OrderedJson j;
  j["base"] = review.base;
  j["head"] = review.head;
  j["base_commit"] = review.base_commit;
  j["head_commit"] = review.head_commit;
  j["merge_base"] = review.merge_base;
  j["commits"] = review.commits;
  j["policy"] = review.policy;
  j["verify"] = report_json(review.verify);
  OrderedJson requests = OrderedJson::array();
  for (const auto& r : review.requests) requests.push_back(request_review_json(r));
  j["requests"] = requests;
  OrderedJson versions = OrderedJson::array();
  for (const auto& c : review.versions) {
    OrderedJson fields = OrderedJson::array();
    for (const auto& f : c.fields)
      fields.push_back(OrderedJson{{"field", f.field},
                                   {"old", optional_json(f.before)},
                                   {"new", optional_json(f.after)},
                                   {"difference", f.difference ? OrderedJson(f.difference->value) : OrderedJson(nullptr)}});
    versions.push_back(OrderedJson{{"model", c.model}, {"version", std::to_string(c.version)}, {"change", c.change}, {"fields", fields}});
  }
  j["versions"] = versions;
  return j;
}

ReportDoc review_doc(const BranchReview& review) {
  ReportDoc doc;
  doc.heading(1, "mreg review of " + review.base + ".." + review.head);
  doc.fields({{"base", review.base + " at " + ReportDoc::code(short_id(review.base_commit))},
              {"head", review.head + " at " + ReportDoc::code(short_id(review.head_commit))},
              {"merge base", ReportDoc::code(short_id(review.merge_base))},
              {"commits", std::to_string(review.commits)}});
  add_verify(doc, review);
  doc.heading(2, "Requests (" + std::to_string(review.requests.size()) + ")");
  if (review.requests.empty()) doc.line("The branch adds, approves and closes no request.");
  for (const auto& r : review.requests) add_request(doc, r, review.policy);
  add_versions(doc, review);
  return doc;
}

}  // namespace mreg::cli
