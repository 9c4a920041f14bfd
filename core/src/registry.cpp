#include <filesystem>
#include <random>

#include "dry_run_preview.h"
#include "file_lock.h"
#include "manifest.h"
#include "mreg/names.h"
#include "policy_gate.h"
#include "registry_impl.h"
#include "remote_impl.h"
#include "worktree.h"

namespace mreg {
namespace {

using Trailers = std::vector<std::pair<std::string, std::string>>;

// Names are unique ignoring case, so that the repository checks out on
// case-insensitive file systems.
void check_name_free(const Snapshot& s, const std::string& name, const std::string& except = "") {
  for (const auto& other : s.model_names()) {
    if (other == except) continue;
    if (other == name) throw_exists("Registered Model (name=" + name + ") already exists.");
    if (fold_case(other) == fold_case(name))
      throw_exists("Registered Model (name=" + name + ") conflicts with the existing model '" + other +
                   "': names must be unique ignoring case");
  }
}

std::string default_registry_id(const std::string& path) {
  std::filesystem::path p = std::filesystem::absolute(path).lexically_normal();
  std::string base = p.filename().string();
  if (base.empty()) base = p.parent_path().filename().string();
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".git") == 0) base.resize(base.size() - 4);
  std::string id;
  for (char c : base)
    id += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '-';
  if (id.empty() || !std::isalnum(static_cast<unsigned char>(id[0]))) id = "registry" + id;
  std::mt19937 rng(std::random_device{}());
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%06x", static_cast<unsigned>(rng() & 0xffffff));
  return id.substr(0, 100) + "-" + suffix;
}

RegisteredModel save_model(Transaction& txn, RegisteredModel m) {
  m.updated_at = txn.now();
  txn.put(model_path(m.name), render_model(m));
  return m;
}

ModelVersion save_version(Transaction& txn, ModelVersion v) {
  v.updated_at = txn.now();
  txn.put(version_path(v.name, v.version), render_version(v));
  return v;
}

PlannedCommit plan(const std::string& summary, const std::string& op, const std::string& model,
                   std::int64_t version = 0) {
  PlannedCommit p;
  p.summary = summary;
  p.trailers = {{"Mreg-Op", op}, {"Mreg-Model", model}};
  if (version > 0) p.trailers.emplace_back("Mreg-Version", std::to_string(version));
  return p;
}

std::string vtag(const std::string& name, std::int64_t version) {
  return name + " v" + std::to_string(version);
}

}  // namespace

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;
Registry::~Registry() = default;

Registry Registry::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->repo = std::make_shared<git::Repository>(git::Repository::open(path));
  recover_worktree_if_needed(*impl->repo);  // what a killed writer left (worktree.h)
  return Registry(std::move(impl));
}

Registry Registry::init(const std::string& path, const InitOptions& init, const WriteOptions& opts) {
  auto impl = std::make_unique<Impl>();
  std::error_code ec;
  bool exists = false;
  try {
    if (std::filesystem::exists(path, ec)) {
      auto repo = git::Repository::open(path);
      // Only a repository rooted here counts; a folder inside another repository gets its own.
      auto here = std::filesystem::weakly_canonical(path);
      auto root = std::filesystem::weakly_canonical(repo.is_bare() ? repo.git_dir() : repo.work_dir());
      if (here == root || std::filesystem::weakly_canonical(repo.git_dir()) == here) {
        impl->repo = std::make_shared<git::Repository>(std::move(repo));
        exists = true;
      }
    }
  } catch (const Error&) {
  }
  RegistryConfig config;
  config.registry = init.registry_id.empty() ? default_registry_id(path) : init.registry_id;
  config.stages = init.stages;
  config.digest_algorithm = init.digest_algorithm;
  if (config.stages.size() < 2) throw_invalid("--stages: at least two stages are needed (the first and the archive)");
  const std::string text = render_registry_config(config);
  PlannedCommit p;
  p.summary = "init registry " + config.registry;
  p.trailers = {{"Mreg-Op", "init"}, {"Mreg-Registry", config.registry}};
  const FileChanges changes{{registry_config_path(), text}};

  if (!exists && opts.dry_run)  // the repository git init would make, with its first commit
    throw DryRun(preview_commit(nullptr, "main", std::nullopt,
                                resolve_author(git::user_config_string, opts.author), p, changes, nullptr,
                                false));
  if (!exists) impl->repo = std::make_shared<git::Repository>(git::Repository::init(path, init.bare));
  git::Repository& repo = *impl->repo;

  const auto branch = repo.head_branch();
  if (!branch) throw Error(ErrorCode::INVALID_STATE, "HEAD is detached: check out a branch first");
  const auto tip = repo.ref_target(*branch);
  if (tip && repo.tree_entry(repo.read_commit(*tip).tree, registry_config_path()))
    throw_exists("already a registry: " + path + " has mreg.yaml");

  const Identity author = resolve_author(repo, opts.author);
  if (opts.dry_run) {
    if (!repo.is_bare() && !repo.dirty_paths({registry_config_path()}).empty())
      throw Error(ErrorCode::RESOURCE_CONFLICT, "mreg.yaml exists in the work tree uncommitted; commit or remove it first");
    throw DryRun(preview_commit(&repo, *branch, tip, author, p, changes, nullptr, false));  // no mreg.yaml before
  }
  const git::Signature committer = resolve_committer(repo, author);
  std::unique_ptr<FileLock> lock;
  if (!repo.is_bare()) {
    lock = std::make_unique<FileLock>(repo.git_dir() + "mreg-write.lock");
    recover_worktree(repo);
    auto dirty = repo.dirty_paths({registry_config_path()});
    if (!dirty.empty()) throw Error(ErrorCode::RESOURCE_CONFLICT, "mreg.yaml exists in the work tree uncommitted; commit or remove it first");
  }
  // Checked before anything is written: the remote must take the new branch tip.
  const std::optional<git::Oid> remote_tip =
      opts.push ? check_remote_for_init(repo, tip, *opts.push, registry_config_path()) : std::nullopt;
  std::optional<git::Oid> base_tree;
  std::vector<git::Oid> parents;
  if (tip) {
    base_tree = repo.read_commit(*tip).tree;
    parents.push_back(*tip);
  }
  const git::Oid tree = repo.update_tree(base_tree, {{registry_config_path(), repo.write_blob(text)}});
  const git::Oid commit = repo.write_commit(
      tree, parents, git::Signature{author.name, author.email, author.time, author.offset_minutes}, committer,
      format_commit_message(p));
  const auto moved = move_branch(repo, *branch, tip, commit, {registry_config_path()}, [&] {
    if (!opts.push) return repo.update_ref(*branch, commit, tip, "mreg: " + p.summary);
    publish_branch(repo, *branch, commit, tip, remote_tip, *opts.push);
    return git::Repository::RefUpdate::Updated;
  });
  if (moved != git::Repository::RefUpdate::Updated)
    throw Error(ErrorCode::RESOURCE_CONFLICT, "the branch moved while the registry was being created; try again");
  impl->last_commit = commit.hex();
  return Registry(std::move(impl));
}

Snapshot Registry::at(const std::string& rev) const {
  return impl_->snapshot_at(resolve_revision(*impl_->repo, rev));
}
std::optional<std::string> Registry::ref_name(const std::string& rev) const {
  if (rev.empty()) return std::string("HEAD");
  if (rev.find("@{") != std::string::npos) return std::nullopt;
  return impl_->repo->full_ref_name(rev);
}
const std::string& Registry::last_commit() const { return impl_->last_commit; }
std::optional<std::string> Registry::config_value(const std::string& key) const { return impl_->repo->config_string(key); }
void Registry::set_config_value(const std::string& key, const std::string& value) {
  impl_->repo->set_config_string(key, value);
}
Identity Registry::identity(const WriteOptions& opts) const { return resolve_author(*impl_->repo, opts.author); }
bool Registry::is_bare() const { return impl_->repo->is_bare(); }
std::string Registry::path() const {
  return impl_->repo->is_bare() ? impl_->repo->git_dir() : impl_->repo->work_dir();
}

RegisteredModel Registry::create_registered_model(const std::string& name, const std::string& description,
                                                  const TagMap& tags, const WriteOptions& opts) {
  check_model_name(name);
  for (const auto& [k, v] : tags) check_tag(k, v);
  RegisteredModel result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    check_name_free(txn.base(), name);
    RegisteredModel m;
    m.name = name;
    m.description = description;
    m.created_at = txn.now();
    m.created_by = txn.author().display();
    m.tags = tags;
    result = save_model(txn, m);
    return plan("create model " + name, "create-model", name);
  });
  return result;
}

RegisteredModel Registry::update_registered_model(const std::string& name, const std::string& description,
                                                  const WriteOptions& opts) {
  RegisteredModel result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    RegisteredModel m = txn.base().get_registered_model(name);
    m.description = description;
    result = save_model(txn, m);
    return plan("update model " + name + ": description", "update-model", name);
  });
  return result;
}

RegisteredModel Registry::rename_registered_model(const std::string& name, const std::string& new_name,
                                                  const WriteOptions& opts) {
  check_model_name(new_name);
  RegisteredModel result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    RegisteredModel m = s.get_registered_model(name);
    if (new_name == name) throw_invalid("the new name is the same as the old one: " + name);
    check_name_free(s, new_name, name);
    check_model_unprotected(s, name, "renaming model " + name, opts.trusted_root);
    // Every file moves along; the manifests name their new model.
    const std::string old_prefix = model_dir(name) + "/";
    const auto files = s.list_files(model_dir(name));
    // Requests and the approvals signed over them name the model: renamed, they would
    // no longer be its requests, and the versions they promoted could not be verified.
    for (const auto& path : files)
      if (path.compare(old_prefix.size(), 9, "requests/") == 0)
        throw Error(ErrorCode::RESOURCE_CONFLICT,
                    "model '" + name + "' has transition requests (" + old_prefix +
                        "requests/): they and their approvals are bound to its name, so it cannot be renamed");
    for (const auto& path : files) {
      const std::string rest = path.substr(old_prefix.size());
      const std::string target = model_dir(new_name) + "/" + rest;
      if (rest == "model.yaml") continue;
      if (rest.rfind("versions/", 0) == 0) {
        try {
          ModelVersion v = s.get_model_version(name, std::stoll(rest.substr(9)));
          v.name = new_name;
          txn.put(target, render_version(v));
          continue;
        } catch (const std::exception&) {
          // not a version file: carried over unchanged
        }
      }
      txn.put(target, *s.read_file(path));
    }
    txn.remove(model_dir(name));
    m.name = new_name;
    result = save_model(txn, m);
    PlannedCommit p = plan("rename model " + name + " -> " + new_name, "rename-model", new_name);
    p.trailers.emplace_back("Mreg-From", name);
    p.trailers.emplace_back("Mreg-To", new_name);
    return p;
  });
  return result;
}

void Registry::delete_registered_model(const std::string& name, const WriteOptions& opts) {
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    s.get_registered_model(name);
    check_model_unprotected(s, name, "deleting model " + name, opts.trusted_root);
    // Requests and approvals are only ever added: deleting them would break the audit trail.
    const std::string prefix = model_dir(name) + "/";
    for (const auto& path : s.list_files(model_dir(name)))
      if (path.compare(prefix.size(), 9, "requests/") == 0)
        throw Error(ErrorCode::RESOURCE_CONFLICT,
                    "model '" + name + "' has transition requests (" + prefix +
                        "requests/): they and their approvals are kept for good, so the model cannot be deleted");
    txn.remove(model_dir(name));
    return plan("delete model " + name, "delete-model", name);
  });
}

RegisteredModel Registry::set_registered_model_tag(const std::string& name, const std::string& key,
                                                   const std::string& value, const WriteOptions& opts) {
  check_tag(key, value);
  RegisteredModel result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    RegisteredModel m = txn.base().get_registered_model(name);
    m.tags[key] = value;
    result = save_model(txn, m);
    PlannedCommit p = plan("set tag " + key + " on model " + name, "set-tag", name);
    p.trailers.emplace_back("Mreg-Tag", key);
    return p;
  });
  return result;
}

RegisteredModel Registry::delete_registered_model_tag(const std::string& name, const std::string& key,
                                                      const WriteOptions& opts) {
  check_tag_key(key);
  RegisteredModel result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    RegisteredModel m = txn.base().get_registered_model(name);
    if (!m.tags.erase(key)) throw_not_found("Registered model tag with key=" + key + " not found on model " + name);
    result = save_model(txn, m);
    PlannedCommit p = plan("delete tag " + key + " from model " + name, "delete-tag", name);
    p.trailers.emplace_back("Mreg-Tag", key);
    return p;
  });
  return result;
}

namespace {

// A new version numbered last_version + 1 in the first stage, and the commit that
// registers it; with create_model, a missing model is created in the same commit.
PlannedCommit plan_new_version(Transaction& txn, const std::string& name, const NewVersion& nv, bool create_model,
                               const VersionOrigin& origin, ModelVersion& result) {
  const Snapshot& s = txn.base();
  RegisteredModel m;
  if (create_model && !s.has_model(name)) {
    check_name_free(s, name);
    m.name = name;
    m.created_at = txn.now();
    m.created_by = txn.author().display();
  } else {
    m = s.get_registered_model(name);
  }
  ModelVersion v;
  v.name = name;
  v.version = ++m.last_version;
  v.stage = s.config().initial_stage();
  v.description = nv.description;
  v.source = nv.source;
  v.run_id = nv.run_id;
  v.run_link = nv.run_link;
  v.experiment_id = nv.experiment_id;
  v.model_id = nv.model_id;
  v.storage_location = nv.storage_location;
  v.digest = nv.digest;
  v.flavors = nv.flavors;
  v.signature = nv.signature;
  v.copied_from = origin;
  v.created_at = txn.now();
  v.created_by = txn.author().display();
  v.tags = nv.tags;
  save_model(txn, m);
  result = save_version(txn, v);
  PlannedCommit p = plan(origin.empty() ? "register " + vtag(name, v.version)
                                        : "copy models:/" + origin.model + "/" + std::to_string(origin.version) +
                                              " to " + vtag(name, v.version),
                         "register", name, v.version);
  if (!origin.empty())
    p.trailers.emplace_back("Mreg-Copied-From", origin.registry + " models:/" + origin.model + "/" +
                                                    std::to_string(origin.version) + " " + origin.commit);
  p.tags.emplace_back(model_tag_name(name) + "@v" + std::to_string(v.version), registration_tag_message(v));
  return p;
}

}  // namespace

ModelVersion Registry::create_model_version(const std::string& name, const NewVersion& nv,
                                            const WriteOptions& opts, bool create_model) {
  check_model_name(name);
  if (nv.source.empty()) throw_invalid("a version needs a source (--source URI)");
  for (const auto& [k, v] : nv.tags) check_tag(k, v);
  ModelVersion result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    return plan_new_version(txn, name, nv, create_model, VersionOrigin{}, result);
  });
  return result;
}

ModelVersion Registry::copy_model_version(const Snapshot& source, const std::string& src_name,
                                          std::int64_t src_version, const std::string& dst_name,
                                          const WriteOptions& opts, bool create_model) {
  check_model_name(dst_name);
  const ModelVersion src = source.get_model_version(src_name, src_version);
  // What describes the model's files travels; the state it holds in the source does not.
  NewVersion nv;
  nv.source = src.source;
  nv.run_id = src.run_id;
  nv.run_link = src.run_link;
  nv.experiment_id = src.experiment_id;
  nv.model_id = src.model_id;
  nv.storage_location = src.storage_location;
  nv.description = src.description;
  nv.digest = src.digest;
  nv.flavors = src.flavors;
  nv.signature = src.signature;
  nv.tags = src.tags;
  const VersionOrigin origin{source.config().registry, src.name, src.version, source.commit_id()};
  ModelVersion result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    return plan_new_version(txn, dst_name, nv, create_model, origin, result);
  });
  return result;
}

ModelVersion Registry::update_model_version(const std::string& name, std::int64_t version,
                                            const std::string& description, const WriteOptions& opts) {
  ModelVersion result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    ModelVersion v = txn.base().get_model_version(name, version);
    v.description = description;
    result = save_version(txn, v);
    return plan("update " + vtag(name, version) + ": description", "update-version", name, version);
  });
  return result;
}

void Registry::delete_model_version(const std::string& name, std::int64_t version, const WriteOptions& opts) {
  apply_operation(*impl_, opts,
                  [&](Transaction& txn) { return plan_delete_version(txn, name, version, "", opts.trusted_root); });
}

void check_model_unprotected(const Snapshot& s, const std::string& name, const std::string& what,
                             const std::string& trusted_root) {
  std::vector<StateChange> changes;
  for (const auto& v : s.get_model_versions(name))
    for (auto& c : state_of_version(v)) changes.push_back(std::move(c));
  check_changes_allowed(s, changes, what, "", trusted_root);
}

PlannedCommit plan_delete_version(Transaction& txn, const std::string& name, std::int64_t version,
                                  const std::string& request, const std::string& trusted_root) {
  {
    const Snapshot& s = txn.base();
    const ModelVersion v = s.get_model_version(name, version);
    if (request.empty())
      check_changes_allowed(s, state_of_version(v), "deleting " + vtag(name, version),
                            "mreg request " + name + " " + std::to_string(version) + " --delete", trusted_root);
    RegisteredModel m = s.get_registered_model(name);
    // A deleted version loses its aliases; its number stays taken (last_version).
    bool had_alias = false;
    for (auto it = m.aliases.begin(); it != m.aliases.end();) {
      if (it->second == version) {
        m.alias_requests.erase(it->first);
        it = m.aliases.erase(it);
        had_alias = true;
      } else {
        ++it;
      }
    }
    if (had_alias) save_model(txn, m);
    txn.remove(version_path(name, version));
    PlannedCommit p = plan("delete " + vtag(name, version), "delete-version", name, version);
    if (!request.empty()) p.trailers.emplace_back("Mreg-Request", request);
    return p;
  }
}

ModelVersion Registry::set_model_version_tag(const std::string& name, std::int64_t version,
                                             const std::string& key, const std::string& value,
                                             const WriteOptions& opts) {
  check_tag(key, value);
  ModelVersion result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    ModelVersion v = txn.base().get_model_version(name, version);
    v.tags[key] = value;
    result = save_version(txn, v);
    PlannedCommit p = plan("set tag " + key + " on " + vtag(name, version), "set-tag", name, version);
    p.trailers.emplace_back("Mreg-Tag", key);
    return p;
  });
  return result;
}

ModelVersion Registry::delete_model_version_tag(const std::string& name, std::int64_t version,
                                                const std::string& key, const WriteOptions& opts) {
  check_tag_key(key);
  ModelVersion result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    ModelVersion v = txn.base().get_model_version(name, version);
    if (!v.tags.erase(key))
      throw_not_found("Model version tag with key=" + key + " not found on " + vtag(name, version));
    result = save_version(txn, v);
    PlannedCommit p = plan("delete tag " + key + " from " + vtag(name, version), "delete-tag", name, version);
    p.trailers.emplace_back("Mreg-Tag", key);
    return p;
  });
  return result;
}

}  // namespace mreg
