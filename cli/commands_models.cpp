// mreg model create|list|show|update|rename|delete|tag set|tag delete.
#include <iostream>

#include "context.h"
#include "print.h"

namespace mreg::cli {
namespace {

// After a write: the new state for programs, one line for people.
void written(const Context& ctx, const Registry& r, const std::string& what, const ModelSummary* model) {
  const Format format = ctx.format();
  if (format != Format::Table) {
    if (model) show_model(*model, format);
    else print_structured(OrderedJson::object(), format);
  } else if (!ctx.quiet) {
    std::cout << what << " (commit " << short_id(r.last_commit()) << ")\n";
  }
}

// The model as the write left it, read from the commit the write made (not from HEAD, which
// another writer may have moved since). The write read and wrote model.yaml only: another of
// the model's files that does not read leaves it out of the answer, with a warning, and the
// write, which landed, still succeeds.
ModelSummary summary_after(const Registry& r, const std::string& name) {
  ModelSummary s = r.at(r.last_commit()).summarize_model(name);
  warn_broken(s);
  return s;
}

}  // namespace

void add_model_commands(CLI::App& app, Context& ctx) {
  auto* model = app.add_subcommand("model", "Registered models");
  model->require_subcommand(1);

  struct Args {
    std::string name, new_name, description, key, value;
    std::vector<std::string> tags;
    bool has_description = false;
  };
  auto a = std::make_shared<Args>();

  auto* create = model->add_subcommand("create", "Register a new model");
  create->add_option("name", a->name, "Model name")->required();
  create->add_option("--description", a->description, "Description (Markdown)");
  create->add_option("--tag", a->tags, "A tag KEY=VALUE (repeatable)");
  add_dry_run_flag(create, ctx);
  create->callback([&ctx, a] {
    ctx.format();
    Registry r = ctx.open();
    r.create_registered_model(a->name, a->description, parse_tags(a->tags), ctx.write_options());
    auto s = summary_after(r, a->name);
    written(ctx, r, "Created model " + a->name, &s);
  });

  auto* list = model->add_subcommand("list", "Every model with its latest version per stage");
  list->callback([&ctx] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    const Snapshot snapshot = ctx.read(r);
    // Each model as it comes; a broken one is listed as such, and said again on stderr after
    // the list (the listing still exits 0: `mreg check` is the command that fails on it).
    std::vector<ModelSummary> broken;
    auto note = [&](const ModelSummary& s) {
      if (!s.problems.empty()) broken.push_back(s);
    };
    if (format == Format::Table) {
      ModelListTable table;
      snapshot.for_each_registered_model([&](const ModelSummary& s) {
        table.add(s);
        note(s);
      });
      table.print(std::cout);
    } else {
      ListWriter list(std::cout, "registered_models", format);
      snapshot.for_each_registered_model([&](const ModelSummary& s) {
        list.add(s);
        note(s);
      });
      list.finish();
    }
    std::cout.flush();
    for (const auto& s : broken) warn_broken(s);
  });

  auto* show = model->add_subcommand("show", "One model");
  show->add_option("name", a->name, "Model name")->required();
  show->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    show_model(ctx.read(r).get_model_summary(a->name), format);
  });

  auto* update = model->add_subcommand("update", "Change a model's description");
  update->add_option("name", a->name, "Model name")->required();
  update->add_option("--description", a->description, "New description (Markdown)")->required();
  add_dry_run_flag(update, ctx);
  update->callback([&ctx, a] {
    ctx.format();
    Registry r = ctx.open();
    r.update_registered_model(a->name, a->description, ctx.write_options());
    auto s = summary_after(r, a->name);
    written(ctx, r, "Updated model " + a->name, &s);
  });

  auto* rename = model->add_subcommand("rename", "Rename a model; its versions follow");
  rename->add_option("name", a->name, "Model name")->required();
  rename->add_option("new_name", a->new_name, "New model name")->required();
  add_dry_run_flag(rename, ctx);
  rename->callback([&ctx, a] {
    ctx.format();
    Registry r = ctx.open();
    r.rename_registered_model(a->name, a->new_name, ctx.write_options());
    auto s = summary_after(r, a->new_name);
    written(ctx, r, "Renamed model " + a->name + " to " + a->new_name, &s);
  });

  auto* del = model->add_subcommand("delete", "Delete a model and all its versions");
  del->add_option("name", a->name, "Model name")->required();
  add_delete_flags(del, ctx);
  del->callback([&ctx, a] {
    confirm_delete(ctx, "model " + a->name + " and all its versions");
    ctx.format();
    Registry r = ctx.open();
    r.delete_registered_model(a->name, ctx.write_options());
    written(ctx, r, "Deleted model " + a->name, nullptr);
  });

  auto* tag = model->add_subcommand("tag", "Model tags");
  tag->require_subcommand(1);
  auto* tag_set = tag->add_subcommand("set", "Set a tag");
  tag_set->add_option("name", a->name, "Model name")->required();
  tag_set->add_option("key", a->key, "Tag key")->required();
  tag_set->add_option("value", a->value, "Tag value")->required();
  add_dry_run_flag(tag_set, ctx);
  tag_set->callback([&ctx, a] {
    ctx.format();
    Registry r = ctx.open();
    r.set_registered_model_tag(a->name, a->key, a->value, ctx.write_options());
    auto s = summary_after(r, a->name);
    written(ctx, r, "Set tag " + a->key + " on model " + a->name, &s);
  });
  auto* tag_delete = tag->add_subcommand("delete", "Delete a tag");
  tag_delete->add_option("name", a->name, "Model name")->required();
  tag_delete->add_option("key", a->key, "Tag key")->required();
  add_delete_flags(tag_delete, ctx);
  tag_delete->callback([&ctx, a] {
    confirm_delete(ctx, "tag " + a->key + " of model " + a->name);
    ctx.format();
    Registry r = ctx.open();
    r.delete_registered_model_tag(a->name, a->key, ctx.write_options());
    auto s = summary_after(r, a->name);
    written(ctx, r, "Deleted tag " + a->key + " from model " + a->name, &s);
  });
}

}  // namespace mreg::cli
