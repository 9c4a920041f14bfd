#include "verify_json.h"

namespace mreg::cli {

OrderedJson finding_json(const Finding& f) {
  OrderedJson j;
  j["code"] = f.code;
  if (!f.path.empty()) j["path"] = f.path;
  if (!f.principal.empty()) j["principal"] = f.principal;
  if (!f.key.empty()) j["key"] = f.key;
  j["message"] = f.message;
  return j;
}

OrderedJson approval_json(const ApprovalVerdict& a) {
  OrderedJson x;
  x["path"] = a.path;
  x["principal"] = a.principal;
  x["key"] = a.key;
  x["verdict"] = a.code;
  x["message"] = a.message;
  return x;
}

OrderedJson verdict_json(const RequestVerdict& v) {
  OrderedJson j;
  j["id"] = v.request.id;
  j["model"] = v.request.model;
  j["version"] = std::to_string(v.request.version);
  j["from_stage"] = v.request.from_stage;
  if (!v.request.to_stage.empty()) j["to_stage"] = v.request.to_stage;
  if (!v.request.alias.empty()) j["alias"] = v.request.alias;
  j["requested_by"] = v.request.requested_by;
  j["state"] = v.state;
  if (!v.applied_commit.empty()) j["applied_commit"] = v.applied_commit;
  j["protected"] = v.is_protected;
  if (!v.rule.empty()) j["rule"] = v.rule;
  j["needed"] = v.needed;
  j["approved"] = v.approved;
  j["approvers"] = v.approvers;
  j["justified"] = v.justified();
  OrderedJson approvals = OrderedJson::array();
  for (const auto& a : v.approvals) approvals.push_back(approval_json(a));
  j["approvals"] = approvals;
  OrderedJson problems = OrderedJson::array();
  for (const auto& p : v.problems) problems.push_back(finding_json(p));
  j["problems"] = problems;
  return j;
}

OrderedJson report_json(const VerifyReport& r) {
  OrderedJson j;
  j["ok"] = r.ok();
  j["mode"] = r.mode;
  j["commit"] = r.commit;
  if (!r.base_commit.empty()) j["base_commit"] = r.base_commit;
  j["policy_version"] = r.policy_version;
  j["root_pinned"] = r.root_pinned;
  if (!r.checkpoint.empty()) j["checkpoint"] = r.checkpoint;
  OrderedJson problems = OrderedJson::array();
  for (const auto& p : r.problems) problems.push_back(finding_json(p));
  j["problems"] = problems;
  OrderedJson warnings = OrderedJson::array();
  for (const auto& p : r.warnings) warnings.push_back(finding_json(p));
  j["warnings"] = warnings;
  OrderedJson requests = OrderedJson::array();
  for (const auto& v : r.requests) requests.push_back(verdict_json(v));
  j["requests"] = requests;
  OrderedJson states = OrderedJson::array();
  for (const auto& s : r.states) {
    OrderedJson x;
    x["model"] = s.model;
    x["version"] = std::to_string(s.version);
    if (!s.stage.empty()) x["stage"] = s.stage;
    if (!s.alias.empty()) x["alias"] = s.alias;
    if (!s.request.empty()) x["request"] = s.request;
    x["verdict"] = s.verdict;
    if (!s.message.empty()) x["message"] = s.message;
    states.push_back(x);
  }
  j["states"] = states;
  return j;
}

}  // namespace mreg::cli
