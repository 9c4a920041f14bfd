// mreg pull, mreg push: the registry's branch and tags with a remote.
#include <iostream>

#include "context.h"
#include "mreg/remote.h"

namespace mreg::cli {
namespace {

// REMOTE and BRANCH as given, else the branch's upstream (else origin and the same name).
PushTarget target_of(const Registry& r, const std::string& remote, const std::string& branch) {
  PushTarget target = default_push_target(r);
  if (!remote.empty()) {
    target.remote = remote;
    if (branch.empty()) target.branch = default_push_target(r).branch;
  }
  if (!branch.empty()) target.branch = branch;
  target.credentials = RemoteCredentials::from_environment();
  return target;
}

}  // namespace

void add_remote_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string remote, branch;
  };
  auto a = std::make_shared<Args>();

  auto* pull_cmd = app.add_subcommand("pull", "Fetch the remote branch and fast-forward the current branch to it");
  pull_cmd->add_option("remote", a->remote, "A configured remote (default: the branch's upstream, else origin)");
  pull_cmd->add_option("branch", a->branch, "The remote's branch (default: the upstream's, else the current name)");
  pull_cmd->callback([&ctx, a] {
    const Format format = ctx.format();
    if (!ctx.remote.empty()) throw_invalid("--remote: pull works on a repository (--repo); --remote is fetched anyway");
    Registry r = ctx.open();
    const PushTarget from = target_of(r, a->remote, a->branch);
    const PullResult result = mreg::pull(r, from);
    if (format != Format::Table) {
      OrderedJson j{{"before", result.before.empty() ? OrderedJson(nullptr) : OrderedJson(result.before)},
                    {"after", result.after}};
      print_structured(j, format);
    } else if (!ctx.quiet) {
      if (result.before == result.after) std::cout << "Already up to date (commit " << short_id(result.after) << ")\n";
      else
        std::cout << "Fast-forwarded to " << from.remote << "/" << from.branch << ": "
                  << (result.before.empty() ? "(none)" : short_id(result.before)) << ".." << short_id(result.after)
                  << "\n";
    }
  });

  auto* push_cmd = app.add_subcommand("push", "Send the current branch and mreg's tags to the remote branch");
  push_cmd->add_option("remote", a->remote, "A configured remote (default: the branch's upstream, else origin)");
  push_cmd->add_option("branch", a->branch, "The remote's branch (default: the upstream's, else the current name)");
  push_cmd->callback([&ctx, a] {
    const Format format = ctx.format();
    if (!ctx.remote.empty()) throw_invalid("--remote: push works on a repository (--repo); writes with --remote push already");
    Registry r = ctx.open();
    const PushTarget to = target_of(r, a->remote, a->branch);
    const PushResult result = mreg::push(r, to);
    if (format != Format::Table) {
      print_structured(OrderedJson{{"commit", result.commit}, {"tags", result.tags}}, format);
    } else if (!ctx.quiet) {
      std::cout << "Pushed to " << to.remote << "/" << to.branch << " (commit " << short_id(result.commit) << "), "
                << result.tags.size() << " tag" << (result.tags.size() == 1 ? "" : "s") << "\n";
    }
  });
}

}  // namespace mreg::cli
