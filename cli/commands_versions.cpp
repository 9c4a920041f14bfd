// mreg register; mreg version list|show|update|delete|tag set|tag delete.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "context.h"
#include "mreg/model_dir.h"
#include "print.h"

namespace mreg::cli {
namespace {

void written_version(const Context& ctx, const Registry& r, const std::string& what, const ModelVersion* version) {
  const Format format = ctx.format();
  if (format != Format::Table) {
    if (version) show_version(*version, format);
    else print_structured(OrderedJson::object(), format);
  } else if (!ctx.quiet) {
    std::cout << what << " (commit " << short_id(r.last_commit()) << ")\n";
  }
}

// The version as the write left it, read from the commit the write made (not from HEAD, which
// another writer may have moved since): the files the write itself read, so that a write
// that landed does not fail on reading its answer.
ModelVersion version_after(const Registry& r, const std::string& name, std::int64_t version) {
  return r.at(r.last_commit()).get_model_version(name, version);
}

// The hash of a new --model-dir digest: the option, else $MREG_DIGEST_ALGORITHM, else this
// clone's git config mreg.digestAlgorithm, else the registry's mreg.yaml (digest_algorithm),
// else SHA-256.
DigestAlgorithm digest_algorithm_for(const std::string& option, const Registry& r) {
  std::string name = option, where = "--digest-algorithm";
  if (name.empty()) {
    if (const char* env = std::getenv("MREG_DIGEST_ALGORITHM"); env && *env) {
      name = env;
      where = "MREG_DIGEST_ALGORITHM";
    } else if (auto configured = r.config_value("mreg.digestAlgorithm")) {
      name = *configured;
      where = "git config mreg.digestAlgorithm";
    } else {
      name = r.at().config().digest_algorithm;  // of the branch the version is written to
      if (name.empty()) name = "sha256";
      where = "mreg.yaml digest_algorithm";
    }
  }
  const auto algorithm = parse_digest_algorithm(name);
  if (!algorithm) throw_invalid(where + ": '" + name + "' is not a digest algorithm (sha256 or blake3)");
  return *algorithm;
}

}  // namespace

void add_register_command(CLI::App& app, Context& ctx) {
  struct Args {
    std::string name, description;
    std::string source, run_id, run_link, experiment_id, model_id, storage_location, model_dir, digest_algorithm;
    std::vector<std::string> tags;
    bool create_model = false;
  };
  auto a = std::make_shared<Args>();

  auto* reg = app.add_subcommand("register", "Register a new version of a model");
  reg->add_option("name", a->name, "Model name")->required();
  reg->add_option("--source", a->source, "Where the model's files live (URI or path)");
  reg->add_option("--model-dir", a->model_dir, "An MLflow model directory: run id, flavors, signature and digest from it");
  reg->add_option("--digest-algorithm", a->digest_algorithm,
                  "The hash of --model-dir's digest: sha256, or blake3, about four times faster to check on "
                  "download (default: $MREG_DIGEST_ALGORITHM, else git config mreg.digestAlgorithm, else mreg.yaml's "
                  "digest_algorithm, else sha256)")
      ->check(CLI::IsMember({"sha256", "blake3"}));
  reg->add_option("--run-id", a->run_id, "The run that produced the model");
  reg->add_option("--run-link", a->run_link, "Link to the run in a tracking server");
  reg->add_option("--experiment-id", a->experiment_id, "The run's experiment");
  reg->add_option("--model-id", a->model_id, "MLflow 3: the logged model the version is made from (m-<hex>)");
  reg->add_option("--storage-location", a->storage_location,
                  "MLflow 3: where the files are when --source does not say (a models:/m-<id> source)");
  reg->add_option("--description", a->description, "Description (Markdown)");
  reg->add_option("--tag", a->tags, "A tag KEY=VALUE (repeatable)");
  reg->add_flag("--create-model", a->create_model, "Create the model if it does not exist");
  reg->add_flag("--no-tags", ctx.no_tags, "Do not create the NAME@vN git tag");
  add_dry_run_flag(reg, ctx);
  reg->callback([&ctx, a] {
    ctx.format();
    NewVersion nv;
    nv.source = a->source;
    nv.run_id = a->run_id;
    nv.run_link = a->run_link;
    nv.experiment_id = a->experiment_id;
    nv.model_id = a->model_id;
    nv.storage_location = a->storage_location;
    nv.description = a->description;
    nv.tags = parse_tags(a->tags);
    Registry r = ctx.open();
    if (!a->model_dir.empty()) {
      ModelDirInfo info = read_model_dir(a->model_dir, digest_algorithm_for(a->digest_algorithm, r));
      if (!a->run_id.empty() && !info.run_id.empty() && a->run_id != info.run_id)
        throw_invalid("--run-id " + a->run_id + " disagrees with run_id " + info.run_id + " in " + a->model_dir + "/MLmodel");
      if (nv.run_id.empty()) nv.run_id = info.run_id;
      if (!a->model_id.empty() && !info.model_id.empty() && a->model_id != info.model_id)
        throw_invalid("--model-id " + a->model_id + " disagrees with model_id " + info.model_id + " in " + a->model_dir + "/MLmodel");
      if (nv.model_id.empty()) nv.model_id = info.model_id;
      const std::string dir = std::filesystem::absolute(a->model_dir).lexically_normal().string();
      // A models:/ source names the files only through a registry: the directory is where they are.
      if (nv.storage_location.empty() && nv.source.rfind("models:/", 0) == 0) nv.storage_location = dir;
      nv.flavors = info.flavors;
      nv.signature = info.signature;
      nv.digest = info.digest;
      if (nv.source.empty()) nv.source = dir;
    }
    if (nv.source.empty()) throw_invalid("--source: a version needs a source (or --model-dir)");
    ModelVersion v = r.create_model_version(a->name, nv, ctx.write_options(), a->create_model);
    v = version_after(r, a->name, v.version);
    written_version(ctx, r, "Registered " + a->name + " version " + std::to_string(v.version), &v);
  });

}

void add_version_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string name, version, description, key, value;
  };
  auto a = std::make_shared<Args>();

  auto* version = app.add_subcommand("version", "Model versions");
  version->require_subcommand(1);

  auto* list = version->add_subcommand("list", "A model's versions, newest first");
  list->add_option("name", a->name, "Model name")->required();
  list->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    auto versions = ctx.read(r).get_model_versions(a->name);
    if (format == Format::Table) {
      print_version_list(versions, std::cout);
      return;
    }
    OrderedJson arr = OrderedJson::array();
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) arr.push_back(to_mlflow_json(*it));
    print_structured(OrderedJson{{"model_versions", arr}}, format);
  });

  auto* show = version->add_subcommand("show", "One version with its lineage");
  show->add_option("name", a->name, "Model name")->required();
  show->add_option("version", a->version, "Version number")->required();
  show->callback([&ctx, a] {
    const Format format = ctx.format();
    const auto n = version_arg(a->version);
    Registry r = ctx.open();
    show_version(ctx.read(r).get_model_version(a->name, n), format);
  });

  auto* update = version->add_subcommand("update", "Change a version's description");
  update->add_option("name", a->name, "Model name")->required();
  update->add_option("version", a->version, "Version number")->required();
  update->add_option("--description", a->description, "New description (Markdown)")->required();
  add_dry_run_flag(update, ctx);
  update->callback([&ctx, a] {
    ctx.format();
    const auto n = version_arg(a->version);
    Registry r = ctx.open();
    r.update_model_version(a->name, n, a->description, ctx.write_options());
    auto v = version_after(r, a->name, n);
    written_version(ctx, r, "Updated " + a->name + " version " + a->version, &v);
  });

  auto* del = version->add_subcommand("delete", "Delete a version (its number is not reused)");
  del->add_option("name", a->name, "Model name")->required();
  del->add_option("version", a->version, "Version number")->required();
  add_delete_flags(del, ctx);
  del->callback([&ctx, a] {
    ctx.format();
    const auto n = version_arg(a->version);
    confirm_delete(ctx, a->name + " version " + a->version);
    Registry r = ctx.open();
    r.delete_model_version(a->name, n, ctx.write_options());
    written_version(ctx, r, "Deleted " + a->name + " version " + a->version, nullptr);
  });

  auto* tag = version->add_subcommand("tag", "Version tags");
  tag->require_subcommand(1);
  auto* tag_set = tag->add_subcommand("set", "Set a tag");
  tag_set->add_option("name", a->name, "Model name")->required();
  tag_set->add_option("version", a->version, "Version number")->required();
  tag_set->add_option("key", a->key, "Tag key")->required();
  tag_set->add_option("value", a->value, "Tag value")->required();
  add_dry_run_flag(tag_set, ctx);
  tag_set->callback([&ctx, a] {
    ctx.format();
    const auto n = version_arg(a->version);
    Registry r = ctx.open();
    r.set_model_version_tag(a->name, n, a->key, a->value, ctx.write_options());
    auto v = version_after(r, a->name, n);
    written_version(ctx, r, "Set tag " + a->key + " on " + a->name + " version " + a->version, &v);
  });
  auto* tag_delete = tag->add_subcommand("delete", "Delete a tag");
  tag_delete->add_option("name", a->name, "Model name")->required();
  tag_delete->add_option("version", a->version, "Version number")->required();
  tag_delete->add_option("key", a->key, "Tag key")->required();
  add_delete_flags(tag_delete, ctx);
  tag_delete->callback([&ctx, a] {
    ctx.format();
    const auto n = version_arg(a->version);
    confirm_delete(ctx, "tag " + a->key + " of " + a->name + " version " + a->version);
    Registry r = ctx.open();
    r.delete_model_version_tag(a->name, n, a->key, ctx.write_options());
    auto v = version_after(r, a->name, n);
    written_version(ctx, r, "Deleted tag " + a->key + " from " + a->name + " version " + a->version, &v);
  });
}

}  // namespace mreg::cli
