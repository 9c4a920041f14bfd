#include <algorithm>

#include "manifest.h"
#include "mreg/names.h"
#include "registry_impl.h"

namespace mreg {
namespace {

std::int64_t version_of_file(const std::string& file) {
  // "<n>.yaml" with n a positive integer without leading zeros.
  if (file.size() < 6 || file.compare(file.size() - 5, 5, ".yaml") != 0) return 0;
  const std::string digits = file.substr(0, file.size() - 5);
  if (digits.empty() || digits.size() > 18 || digits[0] == '0') return 0;
  for (char c : digits)
    if (c < '0' || c > '9') return 0;
  return std::stoll(digits);
}

void attach_aliases(ModelVersion& v, const RegisteredModel& m) {
  v.aliases.clear();
  for (const auto& [alias, target] : m.aliases)
    if (target == v.version) v.aliases.push_back(alias);
}

[[noreturn]] void model_not_found(const Snapshot& s, const std::string& name) {
  for (const auto& other : s.model_names())
    if (fold_case(other) == fold_case(name))
      throw_not_found("Registered Model with name=" + name + " not found (did you mean '" + other + "'?)");
  throw_not_found("Registered Model with name=" + name + " not found");
}

}  // namespace

std::optional<std::string> Snapshot::Impl::read(const std::string& path) const {
  auto e = entry(path);
  if (!e || e->type != git::ObjectType::Blob) return std::nullopt;
  return repo->read_blob(e->oid);
}

Snapshot Registry::Impl::snapshot_at(const git::Oid& commit) const {
  auto impl = std::make_shared<Snapshot::Impl>();
  impl->repo = repo;
  impl->commit = commit;
  const auto info = repo->read_commit(commit);
  impl->tree = info.tree;
  impl->commit_hex = commit.hex();
  impl->time = info.committer.time;
  auto text = impl->read(registry_config_path());
  if (!text)
    throw Error(ErrorCode::INVALID_STATE, "not a registry: no mreg.yaml in commit " + impl->commit_hex.substr(0, 12) +
                                              " of " + repo->git_dir() + " (run 'mreg init')");
  impl->config = parse_registry_config(*text, registry_config_path());
  return Snapshot(std::move(impl));
}

std::optional<std::string> Snapshot::read_file(const std::string& path) const { return impl_->read(path); }

std::vector<std::string> Snapshot::list_files(const std::string& dir) const {
  std::vector<std::string> out;
  auto root = impl_->entry(dir);
  if (!root || root->type != git::ObjectType::Tree) return out;
  std::vector<std::pair<std::string, git::Oid>> todo{{dir, root->oid}};
  while (!todo.empty()) {
    auto [path, oid] = todo.back();
    todo.pop_back();
    for (const auto& e : impl_->repo->read_tree(oid)) {
      if (e.type == git::ObjectType::Tree) todo.emplace_back(path + "/" + e.name, e.oid);
      else if (e.type == git::ObjectType::Blob) out.push_back(path + "/" + e.name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

const std::string& Snapshot::commit_id() const { return impl_->commit_hex; }
Timestamp Snapshot::commit_time() const { return impl_->time; }
const RegistryConfig& Snapshot::config() const { return impl_->config; }

std::vector<std::string> Snapshot::model_names() const {
  std::vector<std::string> out;
  auto models = impl_->entry("models");
  if (!models || models->type != git::ObjectType::Tree) return out;
  for (const auto& e : impl_->repo->read_tree(models->oid))
    if (e.type == git::ObjectType::Tree) out.push_back(e.name);
  return out;  // git keeps tree entries sorted bytewise
}

bool Snapshot::has_model(const std::string& name) const {
  auto e = impl_->entry(model_path(name));
  return e && e->type == git::ObjectType::Blob;
}

RegisteredModel Snapshot::get_registered_model(const std::string& name) const {
  check_model_name(name);
  auto text = impl_->read(model_path(name));
  if (!text) model_not_found(*this, name);
  RegisteredModel m = parse_model(*text, model_path(name));
  if (m.name != name)
    throw ManifestError({{model_path(name), 1, "field 'name': '" + m.name + "' does not match the folder name '" + name + "'"}});
  return m;
}

ModelVersion Snapshot::get_model_version(const std::string& name, std::int64_t version) const {
  RegisteredModel m = get_registered_model(name);
  const std::string path = version_path(name, version);
  auto text = impl_->read(path);
  if (!text)
    throw_not_found("Model Version (name=" + name + ", version=" + std::to_string(version) + ") not found");
  ModelVersion v = parse_version(*text, path);
  if (v.name != name || v.version != version)
    throw ManifestError({{path, 1, "fields 'name' and 'version' do not match the file's place (" + name + " v" +
                                       std::to_string(version) + ")"}});
  attach_aliases(v, m);
  return v;
}

std::vector<ModelVersion> Snapshot::get_model_versions(const std::string& name) const {
  RegisteredModel m = get_registered_model(name);
  std::vector<ModelVersion> out;
  auto dir = impl_->entry(model_dir(name) + "/versions");
  if (!dir || dir->type != git::ObjectType::Tree) return out;
  for (const auto& e : impl_->repo->read_tree(dir->oid)) {
    const std::int64_t n = version_of_file(e.name);
    if (n == 0 || e.type != git::ObjectType::Blob) continue;
    const std::string path = version_path(name, n);
    ModelVersion v = parse_version(impl_->repo->read_blob(e.oid), path);
    if (v.name != name || v.version != n)
      throw ManifestError({{path, 1, "fields 'name' and 'version' do not match the file's place"}});
    attach_aliases(v, m);
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return out;
}

std::string Snapshot::canonical_stage(const std::string& stage) const {
  for (const auto& s : impl_->config.stages)
    if (fold_case(s) == fold_case(stage)) return s;
  std::string list;
  for (const auto& s : impl_->config.stages) list += (list.empty() ? "" : ", ") + s;
  throw_invalid("Invalid Model Version stage: " + stage + ". Value must be one of " + list + ".");
}

namespace {
std::vector<ModelVersion> latest_per_stage(const std::vector<ModelVersion>& versions,
                                           const std::vector<std::string>& stages) {
  std::vector<ModelVersion> out;
  for (const auto& stage : stages) {
    const ModelVersion* best = nullptr;
    for (const auto& v : versions)
      if (v.stage == stage && (!best || v.version > best->version)) best = &v;
    if (best) out.push_back(*best);
  }
  return out;
}
}  // namespace

std::vector<ModelVersion> Snapshot::get_latest_versions(const std::string& name,
                                                        const std::vector<std::string>& stages) const {
  std::vector<std::string> wanted;
  for (const auto& s : stages) wanted.push_back(canonical_stage(s));
  if (wanted.empty()) wanted = impl_->config.stages;
  return latest_per_stage(get_model_versions(name), wanted);
}

ModelSummary Snapshot::get_model_summary(const std::string& name) const {
  ModelSummary s;
  s.model = get_registered_model(name);
  s.latest_versions = latest_per_stage(get_model_versions(name), impl_->config.stages);
  return s;
}

std::vector<ModelSummary> Snapshot::list_registered_models() const {
  std::vector<ModelSummary> out;
  for (const auto& name : model_names()) {
    if (!has_model(name)) continue;
    out.push_back(get_model_summary(name));
  }
  return out;
}

}  // namespace mreg
