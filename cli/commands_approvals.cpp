// mreg approve, verify, apply.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "context.h"
#include "mreg/approval.h"
#include "mreg/history.h"
#include "mreg/names.h"
#include "mreg/policy.h"
#include "mreg/timefmt.h"
#include "mreg/verify.h"
#include "signing.h"
#include "verify_json.h"

namespace mreg::cli {
namespace {

const char* kArmorBegin = "-----BEGIN SSH SIGNATURE-----";

void print_report(const VerifyReport& r) {
  std::cout << "mode " << r.mode << ", commit " << short_id(r.commit);
  if (!r.base_commit.empty()) std::cout << ", base " << short_id(r.base_commit);
  if (r.policy_version) std::cout << ", policy version " << r.policy_version << (r.root_pinned ? " (root pinned)" : "");
  std::cout << "\n";
  for (const auto& v : r.requests) {
    std::cout << "request " << v.request.id << "  " << v.request.model << " v" << v.request.version << " "
              << v.request.from_stage << " -> " << v.request.target() << "  " << v.state << ", ";
    if (!v.is_protected) std::cout << "not protected\n";
    else std::cout << v.approved << "/" << v.needed << " approvals (" << v.rule << ")" << (v.justified() ? "" : ": NOT JUSTIFIED") << "\n";
    for (const auto& a : v.approvals)
      std::cout << "  " << a.code << "  " << a.principal << "  " << (a.key.empty() ? "-" : a.key) << "  " << a.message << "\n";
  }
  for (const auto& s : r.states)
    if (s.verdict != "justified")
      std::cout << "state " << s.model << " v" << s.version << " " << (s.stage.empty() ? "@" + s.alias : s.stage) << ": "
                << s.verdict << (s.message.empty() ? "" : ": " + s.message) << "\n";
  for (const auto& p : r.warnings) std::cout << "WARN " << p.code << (p.path.empty() ? "" : " " + p.path) << ": " << p.message << "\n";
  for (const auto& p : r.problems) std::cout << "FAIL " << p.code << (p.path.empty() ? "" : " " + p.path) << ": " << p.message << "\n";
  // Pull-request mode gives no checkpoint: the branch's head is not what a squash or rebase lands.
  if (r.ok())
    std::cout << "OK: every protected move is justified" << (r.checkpoint.empty() ? "" : "; checkpoint " + r.checkpoint)
              << "\n";
}

std::string read_input_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw_invalid("--attach: cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

void add_approval_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string name, id, comment, key, attach, base, since, valid_for;
    bool yes = false, print = false;
  };
  auto a = std::make_shared<Args>();

  auto* approve = app.add_subcommand("approve", "Approve a request: sign what it asks for and commit the approval");
  approve->add_option("name", a->name, "Model name")->required();
  approve->add_option("request_id", a->id, "The request's id")->required();
  approve->add_option("--comment", a->comment, "Kept in the commit message");
  approve->add_option("-f,--key", a->key, "Signing key: a key file, or the .pub of a key in ssh-agent (default: git's user.signingKey)");
  approve->add_flag("-y,--yes", a->yes, "Do not ask for confirmation");
  approve->add_flag("--print", a->print, "Print the signed approval instead of committing it (to paste into a review)");
  approve->add_option("--attach", a->attach, "Commit an approval printed by --print (a file, - for stdin)");
  approve->add_option("--valid-for", a->valid_for, "How long the approval stays valid, e.g. 7d (default: the longest the policy allows)");
  add_dry_run_flag(approve, ctx);
  approve->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    WriteOptions opts = ctx.write_options(r);
    if (!a->attach.empty()) {
      const std::string text = a->attach == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {}) : read_input_file(a->attach);
      const auto at = text.find(kArmorBegin);
      if (at == std::string::npos) throw_invalid("--attach: no " + std::string(kArmorBegin) + " in " + a->attach);
      const std::string payload = text.substr(0, at), signature = text.substr(at);
      const ApprovalPayload p = [&] {
        try {
          return parse_approval(payload);
        } catch (const Error& e) {
          throw_invalid("--attach: the approval before the signature is malformed: " + std::string(e.what()));
        }
      }();
      r.add_approval(a->name, a->id, p.approver, payload, signature, a->comment, opts);
      if (format != Format::Table) print_structured(OrderedJson{{"request", a->id}, {"approver", p.approver}, {"commit", r.last_commit()}}, format);
      else if (!ctx.quiet) std::cout << "Attached " << p.approver << "'s approval of request " << a->id << " (commit " << short_id(r.last_commit()) << ")\n";
      return;
    }
    std::int64_t valid_for = 0;
    if (!a->valid_for.empty()) {
      auto d = parse_duration(a->valid_for);
      if (!d || *d <= 0) throw_invalid("--valid-for: expected a duration such as 7d, 12h or 90m, got '" + a->valid_for + "'");
      valid_for = *d;
    }
    const Snapshot s = r.at();
    const Identity me = r.identity(opts);
    const ApprovalPayload p = prepare_approval(s, a->name, a->id, me.email, now_seconds(), opts.trusted_root, valid_for);
    const TransitionRequest req = s.get_request(a->name, a->id);
    const ModelVersion v = s.get_model_version(a->name, req.version);
    const std::string pub = ssh_public_key(r, a->key);
    const SshPublicKey key = parse_public_key(pub.substr(0, pub.find('\n')));
    // Refuse early what verification would refuse: a key the policy does not list for me.
    const PolicyChain chain = load_policy_chain(s, opts.trusted_root);
    const Policy& policy = *chain.effective();  // prepare_approval refused a chain without one
    if (!policy.key_of(me.email, key))
      throw Error(ErrorCode::PERMISSION_DENIED, "key " + key.fingerprint() + " is not a key of " + me.email +
                                                    " in policy version " + std::to_string(policy.version) +
                                                    " (approvals are made as git's user.email; --author changes it)");
    // ... nor an approval verification would not count.
    const PolicyKey* listed = policy.key_of(me.email, key);
    auto refuse = [&](const std::string& why) { throw Error(ErrorCode::PERMISSION_DENIED, why + ": nothing was signed"); };
    if (policy.revoked(key)) refuse("key " + key.fingerprint() + " is revoked in policy version " + std::to_string(policy.version));
    if ((listed->valid_after && p.issued_at < *listed->valid_after) || (listed->valid_before && p.issued_at >= *listed->valid_before))
      refuse("key " + key.fingerprint() + " of " + me.email + " is not valid now");
    // It must count for at least one rule that governs the request (prepare_approval found one).
    bool approver = false, only_self = true;
    for (const auto& g : governing_rules(s, policy, req)) {
      if (!g.rule->is_approver(me.email)) continue;
      approver = true;
      only_self = only_self && !g.rule->allow_self_approval && email_of(req.requested_by) == me.email;
    }
    if (!approver)
      refuse(me.email + " is not an approver of " + a->name + " -> " + req.target() + " in policy version " +
             std::to_string(policy.version));
    if (only_self) refuse(me.email + " requested " + req.id + " and may not approve it");
    std::ostream& say = a->print || format != Format::Table ? std::cerr : std::cout;
    if (!(ctx.quiet && a->yes)) say << "Approve request " << req.id << " of registry " << p.registry << ":\n"
        << "  model:        " << a->name << " version " << req.version << "\n"
        << "  source:       " << v.source << "\n"
        << "  digest:       " << (v.digest.empty() ? "-" : v.digest) << "\n"
        << "  run id:       " << (v.run_id.empty() ? "-" : v.run_id) << "\n"
        << "  change:       " << req.from_stage << " -> " << req.target() << (req.archive_existing ? " (archiving the others)" : "") << "\n"
        << "  requested by: " << req.requested_by << " at " << format_rfc3339_ms(req.requested_at) << "\n"
        << "  comment:      " << (req.comment.empty() ? "-" : req.comment) << "\n"
        << "  policy:       version " << p.policy_version << "\n"
        << "  expires:      " << format_rfc3339(p.expires_at) << "\n"
        << "  signing as:   " << me.email << " with " << key.fingerprint() << "\n";
    if (!a->yes) {
      if (!::isatty(0))
        throw Error(ErrorCode::BAD_REQUEST, "pass --yes to sign this approval (there is no terminal to ask on; nothing was signed)");
      say << "Sign this approval? [y/N] " << std::flush;
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != "y" && answer != "Y" && answer != "yes") throw Error(ErrorCode::BAD_REQUEST, "not approved: nothing was signed");
    }
    const std::string payload = render_approval(p);
    const std::string signature = ssh_sign(r, payload, approval_namespace(), a->key);
    if (a->print) {
      std::cout << payload << signature;
      return;
    }
    r.add_approval(a->name, a->id, me.email, payload, signature, a->comment, opts);
    if (format != Format::Table) print_structured(OrderedJson{{"request", a->id}, {"approver", me.email}, {"key", key.fingerprint()}, {"commit", r.last_commit()}}, format);
    else if (!ctx.quiet) std::cout << "Approved request " << a->id << " as " << me.email << " (commit " << short_id(r.last_commit()) << ")\n";
  });

  auto* verify = app.add_subcommand("verify", "Check that every protected move is justified by approvals under the trusted policy");
  verify->add_option("--base", a->base, "Pull request mode: the branch it merges into, whose policy applies");
  verify->add_option("--since", a->since, "History mode: a checkpoint commit verified before");
  verify->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    VerifyOptions o;
    o.rev = ctx.ref;
    o.base = a->base;
    o.since = a->since;
    o.trusted_root = ctx.trusted_root_for(r);
    const VerifyReport report = verify_registry(r, o);
    if (format != Format::Table) print_structured(report_json(report), format);
    else print_report(report);
    if (!report.ok())
      throw Error(ErrorCode::PERMISSION_DENIED, "verification failed: " + std::to_string(report.problems.size()) +
                                                    " problem(s), first " + report.problems.front().code);
  });

  auto* apply = app.add_subcommand("apply", "Perform the moves of approved requests (after the pull request is merged)");
  apply->add_option("name", a->name, "Only this model");
  apply->add_option("request_id", a->id, "Only this request");
  apply->add_option("--comment", a->comment, "Kept in the commit message");
  add_dry_run_flag(apply, ctx);
  apply->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    const WriteOptions opts = ctx.write_options(r);
    OrderedJson applied = OrderedJson::array(), skipped = OrderedJson::array();
    bool any_failed = false;
    for (const auto& st : request_states(r, "", a->name, opts.trusted_root)) {
      if (!a->id.empty() && st.request.id != a->id) continue;
      if (st.outcome != "open") {
        if (!a->id.empty())
          throw Error(ErrorCode::INVALID_STATE, "request " + a->id + " is " + st.outcome + " already");
        continue;
      }
      try {
        const ModelVersion v = r.apply_request(st.request.model, st.request.id, a->comment, opts);
        applied.push_back(OrderedJson{{"id", st.request.id}, {"model", st.request.model}, {"version", std::to_string(v.version)}, {"to", st.request.target()}, {"commit", r.last_commit()}});
        if (format == Format::Table && !ctx.quiet)
          std::cout << "Applied " << st.request.id << ": " << st.request.model << " v" << v.version << " -> " << st.request.target() << " (commit " << short_id(r.last_commit()) << ")\n";
      } catch (const Error& e) {
        // One request not ready does not hold up the others; named requests must succeed.
        if (!a->id.empty()) throw;
        any_failed = any_failed || e.code() != ErrorCode::PERMISSION_DENIED;
        skipped.push_back(OrderedJson{{"id", st.request.id}, {"model", st.request.model}, {"reason", e.what()}});
        if (format == Format::Table && !ctx.quiet) std::cout << "Not applied " << st.request.id << ": " << e.what() << "\n";
      }
    }
    if (format != Format::Table) print_structured(OrderedJson{{"applied", applied}, {"not_applied", skipped}}, format);
    else if (!ctx.quiet && applied.empty() && skipped.empty()) std::cout << "No open requests\n";
    if (any_failed) throw Error(ErrorCode::INVALID_STATE, "some requests could not be applied");
  });
}

}  // namespace mreg::cli
