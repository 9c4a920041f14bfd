// mreg request, status, reject, cancel.
#include <iostream>

#include "context.h"
#include "mreg/history.h"
#include "mreg/policy.h"
#include "mreg/verify.h"
#include "mreg/timefmt.h"
#include "print.h"
#include "signing.h"

namespace mreg::cli {
namespace {

// Every key always there, null (or false) when it does not apply: a program reads one shape
// whatever the request asks for and whatever became of it.

OrderedJson request_json(const TransitionRequest& r) {
  OrderedJson j;
  j["id"] = r.id;
  j["model"] = r.model;
  j["version"] = std::to_string(r.version);
  j["from_stage"] = r.from_stage;
  j["to_stage"] = text_or_null(r.to_stage);
  j["alias"] = text_or_null(r.alias);
  j["remove_alias"] = text_or_null(r.remove_alias);
  j["delete_version"] = r.delete_version;
  j["archive_existing"] = r.archive_existing;
  j["version_sha256"] = r.version_sha256;
  j["requested_by"] = r.requested_by;
  j["requested_at"] = format_rfc3339_ms(r.requested_at);
  j["comment"] = text_or_null(r.comment);
  return j;
}

}  // namespace

void add_request_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string name, version, to, alias, remove_alias, comment, id, key;
    bool archive_existing = false, all = false, delete_version = false;
  };
  auto a = std::make_shared<Args>();

  auto* request = app.add_subcommand(
      "request", "Ask for a change of a version's protected state (a stage, an alias, a delete), for review");
  request->add_option("name", a->name, "Model name")->required();
  request->add_option("version", a->version, "Version number")->required();
  request->add_option("--to", a->to, "The stage to move it into (also out of a protected stage)");
  request->add_option("--alias", a->alias, "The alias to point at it");
  request->add_option("--remove-alias", a->remove_alias, "The alias to take off it");
  request->add_flag("--delete", a->delete_version, "Delete the version");
  request->add_flag("--archive-existing", a->archive_existing, "Archive the other versions in that stage when applied");
  request->add_option("--comment", a->comment, "Why");
  request->add_option("-f,--key", a->key,
                      "Sign the request with this key (a key file, or the .pub of a key in ssh-agent; default when a "
                      "rule needs the requester proven: git's user.signingKey)");
  add_dry_run_flag(request, ctx);
  request->callback([&ctx, a] {
    const Format format = ctx.format();
    const auto n = version_arg(a->version);
    Registry r = ctx.open();
    RequestSpec spec;
    spec.to_stage = a->to;
    spec.alias = a->alias;
    spec.remove_alias = a->remove_alias;
    spec.delete_version = a->delete_version;
    spec.archive_existing = a->archive_existing;
    spec.comment = a->comment;
    const std::string key = a->key;
    const Signer sign = [&r, key](const std::string& bytes, const std::string& ns) { return ssh_sign(r, bytes, ns, key); };
    TransitionRequest req = r.create_request(a->name, n, spec, sign, !key.empty(), ctx.write_options(r));
    if (format != Format::Table) print_structured(OrderedJson{{"request", request_json(req)}}, format);
    else if (!ctx.quiet)
      std::cout << "Requested " << a->name << " version " << n << " -> " << req.target() << ": request " << req.id
                << " (commit " << short_id(r.last_commit()) << ")\n";
  });

  auto* status = app.add_subcommand("status", "Open requests and their approvals");
  status->add_option("name", a->name, "Only this model");
  status->add_flag("--all", a->all, "Closed requests too");
  status->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    auto states = request_states(r, ctx.ref, a->name, ctx.trusted_root_for(r));
    if (!a->all) {
      std::vector<RequestState> open;
      for (auto& s : states)
        if (s.outcome == "open") open.push_back(std::move(s));
      states = std::move(open);
    }
    // Approvals counted as verification counts them: valid, distinct, authorized, now.
    const Snapshot snap = ctx.read(r);
    const PolicyChain chain = load_policy_chain(snap, ctx.trusted_root_for(r));
    const Timestamp now = now_seconds();
    auto verdict = [&](const RequestState& s) -> std::optional<RequestVerdict> {
      if (!chain.effective() || s.outcome != "open") return std::nullopt;
      return verify_request(snap, *chain.effective(), s.request.model, s.request.id, now);
    };
    auto approvals_text = [&](const RequestState& s) {
      auto v = verdict(s);
      if (!v) return std::to_string(s.approval_files) + " file(s)";
      if (!v->is_protected) return std::string("not needed");
      const auto missing = v->needed - v->approved;
      return std::to_string(v->approved) + "/" + std::to_string(v->needed) +
             (missing > 0 ? " (needs " + std::to_string(missing) + " more)" : " (approved)");
    };
    if (format != Format::Table) {
      OrderedJson arr = OrderedJson::array();
      for (const auto& s : states) {
        OrderedJson j = request_json(s.request);
        j["outcome"] = s.outcome;
        j["approval_files"] = s.approval_files;
        // Counted for open requests only; closings only for closed ones: null otherwise.
        const auto v = verdict(s);
        j["protected"] = v ? OrderedJson(v->is_protected) : OrderedJson(nullptr);
        j["approvals_valid"] = v ? OrderedJson(v->approved) : OrderedJson(nullptr);
        j["approvals_needed"] = v ? OrderedJson(v->needed) : OrderedJson(nullptr);
        j["approvers"] = v ? OrderedJson(v->approvers) : OrderedJson(nullptr);
        j["closed_by"] = text_or_null(s.closed_by);
        j["closed_commit"] = text_or_null(s.closed_commit);
        j["closed_comment"] = s.closed_commit.empty() ? OrderedJson(nullptr) : OrderedJson(s.closed_comment);
        arr.push_back(j);
      }
      print_structured(OrderedJson{{"requests", arr}}, format);
      return;
    }
    Table t({"REQUEST", "MODEL", "VERSION", "MOVE", "BY", "APPROVALS", "OUTCOME"});
    for (const auto& s : states)
      t.add({s.request.id, s.request.model, std::to_string(s.request.version),
             s.request.from_stage + " -> " + s.request.target(), s.request.requested_by,
             approvals_text(s), s.outcome});
    t.print(std::cout);
  });

  for (const std::string outcome : {"reject", "cancel"}) {
    auto* cmd = app.add_subcommand(outcome, outcome == "reject" ? "Reject an open request" : "Cancel an open request (the requester or an admin)");
    cmd->add_option("name", a->name, "Model name")->required();
    cmd->add_option("request_id", a->id, "The request's id")->required();
    cmd->add_option("--comment", a->comment, "Why");
    cmd->add_option("-f,--key", a->key,
                    "Signing key, where a rule governs the request (a key file, or the .pub of a key in ssh-agent; "
                    "default: git's user.signingKey)");
    add_dry_run_flag(cmd, ctx);
    cmd->callback([&ctx, a, outcome] {
      const Format format = ctx.format();
      Registry r = ctx.open();
      const std::string key = a->key;
      const Signer sign = [&r, key](const std::string& bytes, const std::string& ns) { return ssh_sign(r, bytes, ns, key); };
      r.close_request(a->name, a->id, outcome, a->comment, sign, ctx.write_options(r));
      if (format != Format::Table) print_structured(OrderedJson{{"request", a->id}, {"outcome", outcome == "reject" ? "rejected" : "cancelled"}, {"commit", r.last_commit()}}, format);
      else if (!ctx.quiet) std::cout << (outcome == "reject" ? "Rejected" : "Cancelled") << " request " << a->id << " (commit " << short_id(r.last_commit()) << ")\n";
    });
  }
}

}  // namespace mreg::cli
