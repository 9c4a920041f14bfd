// mreg init, mreg check.
#include <iostream>
#include <sstream>

#include "context.h"

namespace mreg::cli {

void add_registry_commands(CLI::App& app, Context& ctx) {
  struct InitArgs {
    std::string path;
    std::string registry;
    std::string stages;
    std::string digest_algorithm;
    bool bare = false;
  };
  auto args = std::make_shared<InitArgs>();
  auto* init = app.add_subcommand("init", "Make a git repository a registry (mreg.yaml, one commit)");
  init->add_option("path", args->path, "Folder of the repository (default: --repo, else the current folder); created if missing");
  init->add_option("--registry", args->registry, "The registry id approvals are bound to (default: from the folder name)");
  init->add_option("--stages", args->stages, "Stage names in order, comma-separated (default: None,Staging,Production,Archived)");
  init->add_option("--digest-algorithm", args->digest_algorithm,
                   "The hash of new model digests in this registry, written to mreg.yaml: sha256 (the default) or "
                   "blake3")
      ->check(CLI::IsMember({"sha256", "blake3"}));
  init->add_flag("--bare", args->bare, "Create a bare repository when the folder is not a repository yet");
  add_dry_run_flag(init, ctx);
  init->callback([&ctx, args] {
    const Format format = ctx.format();
    InitOptions opts;
    opts.registry_id = args->registry;
    opts.bare = args->bare;
    opts.digest_algorithm = args->digest_algorithm;
    if (!args->stages.empty()) {
      opts.stages.clear();
      std::stringstream ss(args->stages);
      std::string s;
      while (std::getline(ss, s, ',')) opts.stages.push_back(s);
    }
    const std::string path = !args->path.empty() ? args->path : !ctx.repo.empty() ? ctx.repo : ".";
    const WriteOptions write = ctx.init_write_options(path);
    Registry r = Registry::init(path, opts, write);
    const Snapshot s = r.at();
    if (format != Format::Table) {
      print_structured(OrderedJson{{"registry", s.config().registry}, {"commit", r.last_commit()}}, format);
    } else if (!ctx.quiet) {
      std::cout << "Initialized registry " << s.config().registry << " in " << r.path() << " (commit "
                << short_id(r.last_commit()) << ")";
      if (write.push) std::cout << ", pushed to " << write.push->remote << "/" << write.push->branch;
      std::cout << "\n";
    }
  });

  auto worktree = std::make_shared<bool>(false);
  auto* check = app.add_subcommand("check", "Validate the whole registry; print each problem as path:line: message");
  check->add_flag("--worktree", *worktree, "Check the files in the work tree (uncommitted edits) instead of a commit");
  check->callback([&ctx, worktree] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    auto problems = *worktree ? check_worktree(r) : check_registry(r, ctx.ref);
    if (format != Format::Table) {
      OrderedJson list = OrderedJson::array();
      for (const auto& p : problems) list.push_back({{"path", p.path}, {"line", p.line}, {"message", p.message}});
      print_structured(OrderedJson{{"ok", problems.empty()}, {"problems", list}}, format);
    } else {
      for (const auto& p : problems) std::cout << p.to_string() << "\n";
    }
    if (!problems.empty())
      throw Error(ErrorCode::INVALID_STATE, std::to_string(problems.size()) + " problem" +
                                                (problems.size() == 1 ? "" : "s") + " found");
    if (format == Format::Table && !ctx.quiet) std::cout << "ok: the registry is valid\n";
  });
}

}  // namespace mreg::cli
