#include "approvals_view.h"

#include "html.h"
#include "mreg/policy.h"
#include "mreg/timefmt.h"

namespace mreg::server {

std::optional<RequestVerdict> judge_request(const View& view, const RequestState& state) {
  const TransitionRequest& r = state.request;
  if (state.outcome == "applied" && !state.closed_commit.empty()) {
    // As verification judged it when it was applied: in the applying commit's tree, the
    // version as the request found it (in the commit before), at the commit's time.
    const Snapshot after = view.registry.at(state.closed_commit);
    const PolicyChain chain = load_policy_chain(after, "");
    if (!chain.effective()) return std::nullopt;
    std::optional<ModelVersion> acted_on;
    try {
      acted_on = view.registry.at(state.closed_commit + "~1").get_model_version(r.model, r.version);
    } catch (const Error&) {
    }
    return verify_request(after, *chain.effective(), r.model, r.id, after.commit_time(), acted_on ? &*acted_on : nullptr);
  }
  const PolicyChain chain = load_policy_chain(view.snapshot, "");
  if (!chain.effective()) return std::nullopt;
  return verify_request(view.snapshot, *chain.effective(), r.model, r.id, now_seconds());
}

std::string verdict_class(const std::string& code) {
  if (code == "OK") return "ok";
  if (code == "E_NO_POLICY" || code == "E_MALFORMED_REQUEST" || code == "E_REQUEST_MISSING") return "error";
  return "bad";
}

std::string verdict_html(const std::string& code, const std::string& reason) {
  return "<span class=\"verdict " + verdict_class(code) + "\">" + escape(code) + "</span>" +
         (reason.empty() ? "" : "<span class=\"reason\">" + escape(reason) + "</span>");
}

std::string approval_summary(const View& view, const RequestState& state) {
  const auto v = judge_request(view, state);
  if (!v) {
    const std::size_t n = state.approval_files;
    return std::to_string(n) + (n == 1 ? " approval file" : " approval files") +
           " <span class=\"muted\">(no trusted policy)</span>";
  }
  std::string out = v->is_protected ? std::to_string(v->approved) + "/" + std::to_string(v->needed) + " approvals"
                                    : std::string("not protected");
  out += v->is_protected && v->justified() ? " <span class=\"ok\">(approved)</span>" : "";
  for (const auto& a : v->approvals)
    out += "<span class=\"approval\">" + escape(a.principal) + ": " + verdict_html(a.code, a.ok() ? "" : a.message) +
           "</span>";
  return out;
}

}  // namespace mreg::server
