// mreg stage, alias set|delete, latest, resolve, tags sync.
#include <iostream>

#include "context.h"
#include "mreg/remote.h"
#include "print.h"
#include "resolve_uri.h"

namespace mreg::cli {

void add_lifecycle_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string name, version, stage, alias, comment, request;
    std::vector<std::string> stages;
    bool archive_existing = false;
  };
  auto a = std::make_shared<Args>();

  auto* stage = app.add_subcommand("stage", "Move a version into a stage (MLflow's transition_model_version_stage)");
  stage->add_option("name", a->name, "Model name")->required();
  stage->add_option("version", a->version, "Version number")->required();
  stage->add_option("stage", a->stage, "Target stage, as in mreg.yaml (case does not matter)")->required();
  stage->add_flag("--archive-existing", a->archive_existing, "Archive every other version in the target stage");
  stage->add_option("--comment", a->comment, "Why; kept in the commit message");
  stage->add_flag("--no-tags", ctx.no_tags, "Do not create the NAME#stage#K git tag");
  stage->add_option("--request", a->request, "The approved request that justifies a move into a protected stage");
  add_dry_run_flag(stage, ctx);
  stage->callback([&ctx, a] {
    const Format format = ctx.format();
    const auto n = version_arg(a->version);
    Registry r = ctx.open();
    const std::string before = r.at().commit_id();
    ModelVersion v;
    if (a->request.empty()) {
      v = r.transition_stage(a->name, n, a->stage, a->archive_existing, a->comment, ctx.write_options(r));
    } else {
      const Snapshot s = r.at();
      const TransitionRequest req = s.get_request(a->name, a->request);
      if (req.version != n || req.to_stage.empty() || req.to_stage != s.canonical_stage(a->stage) ||
          (a->archive_existing && !req.archive_existing))
        throw_invalid("--request " + a->request + " asks for version " + std::to_string(req.version) + " -> " +
                      req.target() + (req.archive_existing ? " (archiving the others)" : "") + ", not this move");
      v = r.apply_request(a->name, a->request, a->comment, ctx.write_options(r));
    }
    if (format != Format::Table) show_version(r.at(r.last_commit()).get_model_version(a->name, n), format);
    else if (!ctx.quiet && r.last_commit() == before)
      std::cout << a->name << " version " << n << " is in " << v.stage << " already; nothing changed\n";
    else if (!ctx.quiet)
      std::cout << "Moved " << a->name << " version " << n << " to " << v.stage << " (commit " << short_id(r.last_commit()) << ")\n";
  });

  auto* alias = app.add_subcommand("alias", "Aliases: names that point at one version");
  alias->require_subcommand(1);
  auto* set = alias->add_subcommand("set", "Point an alias at a version (moving it if it points elsewhere)");
  set->add_option("name", a->name, "Model name")->required();
  set->add_option("alias", a->alias, "Alias")->required();
  set->add_option("version", a->version, "Version number")->required();
  set->add_option("--request", a->request, "The approved request that justifies moving a protected alias");
  add_dry_run_flag(set, ctx);
  set->callback([&ctx, a] {
    const Format format = ctx.format();
    const auto n = version_arg(a->version);
    Registry r = ctx.open();
    if (a->request.empty()) {
      r.set_alias(a->name, a->alias, n, ctx.write_options(r));
    } else {
      const TransitionRequest req = r.at().get_request(a->name, a->request);
      if (req.version != n || req.alias != a->alias)
        throw_invalid("--request " + a->request + " asks for version " + std::to_string(req.version) + " -> " +
                      req.target() + ", not this move");
      r.apply_request(a->name, a->request, "", ctx.write_options(r));
    }
    if (format != Format::Table) show_version(r.at(r.last_commit()).get_model_version(a->name, n), format);
    else if (!ctx.quiet) std::cout << a->name << "@" << a->alias << " -> version " << n << " (commit " << short_id(r.last_commit()) << ")\n";
  });
  auto* del = alias->add_subcommand("delete", "Remove an alias");
  del->add_option("name", a->name, "Model name")->required();
  del->add_option("alias", a->alias, "Alias")->required();
  add_delete_flags(del, ctx);
  del->callback([&ctx, a] {
    confirm_delete(ctx, "alias " + a->name + "@" + a->alias);
    const Format format = ctx.format();
    Registry r = ctx.open();
    r.delete_alias(a->name, a->alias, ctx.write_options());
    if (format != Format::Table) print_structured(OrderedJson::object(), format);
    else if (!ctx.quiet) std::cout << "Deleted alias " << a->name << "@" << a->alias << " (commit " << short_id(r.last_commit()) << ")\n";
  });

  auto* latest = app.add_subcommand("latest", "The highest version in each stage (MLflow's get_latest_versions)");
  latest->add_option("name", a->name, "Model name")->required();
  latest->add_option("--stage", a->stages, "Only these stages (repeatable)");
  latest->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    auto versions = ctx.read(r).get_latest_versions(a->name, a->stages);
    if (format == Format::Table) {
      print_version_list(std::vector<ModelVersion>(versions.rbegin(), versions.rend()), std::cout);
      return;
    }
    OrderedJson arr = OrderedJson::array();
    for (const auto& v : versions) arr.push_back(to_mlflow_json(v));
    print_structured(OrderedJson{{"model_versions", arr}}, format);
  });

  auto* resolve = app.add_subcommand("resolve", "The version a models:/ URI names; prints its source");
  auto u = std::make_shared<UriArgs>();
  resolve->add_option("uri", u->uri, "models:/NAME/VERSION, models:/NAME/STAGE, models:/NAME/latest or models:/NAME@ALIAS")->required();
  add_uri_options(*resolve, *u);
  resolve->callback([&ctx, u] {
    const Format format = ctx.format();
    const ModelVersion v = resolve_uri(ctx, *u);
    if (format == Format::Table) std::cout << v.source << "\n";
    else show_version(v, format);
  });

  auto* tags = app.add_subcommand("tags", "Git tags derived from the registry's history");
  tags->require_subcommand(1);
  auto* sync = tags->add_subcommand(
      "sync", "Create the NAME@vN and NAME#stage#K tags missing for the current branch (with --push: for the "
              "remote branch, and push them)");
  sync->callback([&ctx] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    const WriteOptions opts = ctx.write_options();
    TagSync result;
    if (opts.push) result = sync_tags(r, *opts.push);
    else result.created = r.sync_tags();
    if (format != Format::Table) {
      OrderedJson j{{"created", result.created}};
      if (opts.push) j["pushed"] = result.pushed;
      print_structured(j, format);
    } else if (!ctx.quiet) {
      for (const auto& t : result.created) std::cout << t << "\n";
      std::cout << result.created.size() << " tag" << (result.created.size() == 1 ? "" : "s") << " created";
      if (opts.push)
        std::cout << ", " << result.pushed.size() << " pushed to " << opts.push->remote << "/" << opts.push->branch;
      std::cout << "\n";
    }
  });
}

}  // namespace mreg::cli
