#include "resolve_uri.h"

#include <iostream>

#include "mreg/timefmt.h"
#include "mreg/verify.h"
#include "output.h"

namespace mreg::cli {

void add_uri_options(CLI::App& command, UriArgs& a) {
  command.add_option("--at", a.at, "Answer as the registry was at this time (e.g. 2026-10-01 or 2026-10-01T12:00:00Z)");
  command.add_flag("--verified", a.verified,
                   "The deploy gate: answer only when the commit read (--ref, default HEAD) is on the first-parent "
                   "history of --branch, the URI names a protected stage or alias, its state is justified under "
                   "the trusted policy, and the branch's tip still has it; else exit 7 saying why");
  command.add_option("--branch", a.branch, "With --verified: the protected branch deployments come from (e.g. origin/main)");
}

ModelVersion resolve_uri(const Context& ctx, const UriArgs& a) {
  if (!a.verified) {
    if (!a.branch.empty()) throw_invalid("--branch: only with --verified");
    std::string rev = ctx.ref;
    if (!a.at.empty()) {
      if (!parse_date(a.at)) throw_invalid("--at: cannot read '" + a.at + "' as a time");
      rev += "@{" + a.at + "}";
    }
    return ctx.open().at(rev).resolve_model_uri(a.uri);
  }
  if (!a.at.empty()) throw_invalid("--at: the deploy gate reads a commit; name it with --ref");
  if (a.branch.empty()) throw_invalid("--branch: --verified needs the protected branch (e.g. --branch origin/main)");
  const Registry r = ctx.open();
  DeployOptions o;
  o.uri = a.uri;
  o.rev = ctx.ref;
  o.branch = a.branch;
  o.trusted_root = ctx.trusted_root_for(r);
  const DeployVerdict d = verify_deployment(r, o);
  if (!d.ok()) {
    for (const auto& p : d.problems)
      std::cerr << "mreg: " << p.code << (p.path.empty() ? "" : " " + p.path) << ": " << p.message << "\n";
    throw Error(ErrorCode::PERMISSION_DENIED, "refusing to resolve " + a.uri + " for deployment: " +
                                                  d.problems.front().code + " (" + d.problems.front().message + ")");
  }
  if (!ctx.quiet)
    std::cerr << "verified: " << a.uri << " is v" << d.version.version << " at commit " << short_id(d.commit) << " of "
              << a.branch << ", "
              << (d.verdict == "grandfathered" ? "grandfathered" : "approved in request " + d.request)
              << " under policy version " << d.policy_version << "\n";
  return d.version;
}

}  // namespace mreg::cli
