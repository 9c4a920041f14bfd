// mreg copy: MLflow's copy_model_version, within a registry or into another one.
#include <iostream>

#include "context.h"
#include "mreg/names.h"
#include "mreg/remote.h"
#include "print.h"

namespace mreg::cli {

void add_copy_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string uri, dest, to_remote;
    bool create_model = false;
  };
  auto a = std::make_shared<Args>();

  auto* copy = app.add_subcommand(
      "copy", "Copy a version into another model (MLflow's copy_model_version), here or in the registry at a git URL");
  copy->add_option("source", a->uri, "The version to copy: models:/NAME/N (or /STAGE, /latest, @ALIAS)")->required();
  copy->add_option("dest", a->dest, "The model that gets the new version")->required();
  copy->add_option("--to-remote", a->to_remote, "Copy into the registry at this git URL (pushed there)");
  copy->add_flag("--create-model", a->create_model, "Create the destination model if it does not exist");
  copy->add_flag("--no-tags", ctx.no_tags, "Do not create the NAME@vN git tag");
  add_dry_run_flag(copy, ctx);
  copy->callback([&ctx, a] {
    const Format format = ctx.format();
    if (!a->to_remote.empty() && ctx.push)
      throw_invalid("--push: the copy goes to --to-remote " + redacted_url(a->to_remote) + "; drop --push");
    parse_model_uri(a->uri);  // an invalid URI is refused before anything is opened
    check_model_name(a->dest);
    // Checked before anything is read: a copy within one registry is a write, which --ref refuses.
    WriteOptions opts;
    if (a->to_remote.empty()) opts = ctx.write_options();
    Registry source = ctx.open();
    const Snapshot from = ctx.read(source);
    const ModelVersion src = from.resolve_model_uri(a->uri);
    std::optional<Registry> remote;
    if (!a->to_remote.empty()) remote.emplace(ctx.open_write_target(a->to_remote, opts));
    Registry& dest = remote ? *remote : source;
    if (a->to_remote.empty()) opts = ctx.write_options();  // with --push's target, known once opened
    const ModelVersion made = dest.copy_model_version(from, src.name, src.version, a->dest, opts, a->create_model);
    const ModelVersion v = dest.at(dest.last_commit()).get_model_version(a->dest, made.version);
    if (format != Format::Table) show_version(v, format);
    else if (!ctx.quiet)
      std::cout << "Copied models:/" << src.name << "/" << src.version << " to " << a->dest << " version " << v.version
                << (remote ? " in " + redacted_url(a->to_remote) : "") << " (commit " << short_id(dest.last_commit())
                << ")\n";
  });
}

}  // namespace mreg::cli
