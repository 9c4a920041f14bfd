#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>

#include "manifest.h"
#include "progress_report.h"
#include "mreg/names.h"
#include "registry_impl.h"
#include "kept_reads.h"
#include "mreg/long_running.h"
#include "summary_cache.h"

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

// A lookup of a name no model can have finds nothing, as in MLflow; only an empty name is
// refused as a bad parameter.
void refuse_empty_name(const std::string& name) {
  if (name.empty()) check_model_name(name);
}

[[noreturn]] void model_not_found(const Snapshot& s, const std::string& name) {
  for (const auto& other : s.model_names())
    if (fold_case(other) == fold_case(name))
      throw_not_found("Registered Model with name=" + name + " not found (did you mean '" + other + "'?)");
  throw_not_found("Registered Model with name=" + name + " not found");
}

// A model folder's entries (and those of its versions/) that are neither plain files nor
// folders are problems of that model: a gitlink in place of versions/2.yaml would otherwise
// make version 2 disappear.
void check_entries(const std::vector<git::TreeEntry>& entries, const std::string& dir) {
  std::vector<Problem> problems;
  for (const auto& e : entries)
    if (auto p = git::unexpected_entry(e, dir + "/" + e.name)) problems.push_back(std::move(*p));
  if (!problems.empty()) throw ManifestError(std::move(problems));
}

std::optional<git::TreeEntry> find_entry(const std::vector<git::TreeEntry>& entries, const std::string& name) {
  for (const auto& e : entries)
    if (e.name == name) return e;
  return std::nullopt;
}

// The problems of a file that does not read (a ManifestError names them; another
// INVALID_STATE error is about the file as a whole).
std::vector<Problem> problems_of(const Error& e, const std::string& path) {
  if (auto* m = dynamic_cast<const ManifestError*>(&e)) return m->problems();
  return {{path, 0, e.message()}};
}

// With `problems`, a file that does not read is left out and its problems are added there
// (a folder read that way is neither taken from the cache nor given to it); without, the
// first such file throws.
ModelFolder read_folder(const git::Repository& repo, const std::string& name, const git::Oid& tree,
                        BlobCache* cache = nullptr, std::vector<Problem>* problems = nullptr) {
  if (cache && !problems) {
    // A whole folder's answer, when it is this folder's (a cached answer that does
    // not fit its place is read again: the error, if any, is the files').
    auto cached = cache->find_folder(tree);
    if (cached && cached->model.name == name &&
        std::all_of(cached->versions.begin(), cached->versions.end(), [&](const auto& v) { return v.name == name; }))
      return std::move(*cached);
  }
  // Runs `read` for the file at `path`; with `problems`, one that fails is noted and skipped.
  auto reading = [&](const std::string& path, const auto& read) {
    if (!problems) return read();
    try {
      read();
    } catch (const Error& e) {
      if (e.code() != ErrorCode::INVALID_STATE) throw;
      const auto found = problems_of(e, path);
      problems->insert(problems->end(), found.begin(), found.end());
    }
  };
  const auto entries = repo.read_tree(tree);
  reading(model_dir(name), [&] { check_entries(entries, model_dir(name)); });
  const std::string mpath = model_path(name);
  auto model_entry = find_entry(entries, "model.yaml");
  if (!model_entry || model_entry->type != git::ObjectType::Blob) throw_not_found("Registered Model with name=" + name + " not found");
  ModelFolder f;
  f.model.name = name;
  reading(mpath, [&] {
    RegisteredModel m = parse_model(repo.read_registry_file(model_entry->oid, mpath), mpath);
    if (m.name != name)
      throw ManifestError({{mpath, 1, "field 'name': '" + m.name + "' does not match the folder name '" + name + "'"}});
    f.model = std::move(m);
  });
  auto versions = find_entry(entries, "versions");
  if (versions && versions->type == git::ObjectType::Tree) {
    const auto files = repo.read_tree(versions->oid);
    reading(model_dir(name) + "/versions", [&] { check_entries(files, model_dir(name) + "/versions"); });
    for (const auto& e : files) {
      const std::int64_t n = version_of_file(e.name);
      if (n == 0 || e.type != git::ObjectType::Blob) continue;
      const std::string path = version_path(name, n);
      reading(path, [&] {
        ModelVersion v = *kept_version(e.oid, path, [&] { return parse_version(repo.read_registry_file(e.oid, path), path); });
        if (v.name != name || v.version != n)
          throw ManifestError({{path, 1, "fields 'name' and 'version' do not match the file's place (" + name + " v" +
                                             std::to_string(n) + ")"}});
        attach_aliases(v, f.model);
        f.versions.push_back(std::move(v));
      });
    }
  }
  std::sort(f.versions.begin(), f.versions.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  if (cache && !problems) cache->add_folder(tree, f);
  return f;
}

// read_folder of one model, asked for by name (not a walk over every folder), kept in memory
// (kept_reads.h): one command or server reads the same model again and again, through
// different snapshots of the same commit or of commits that did not touch it, and parsing and
// checking its files is what costs.
SharedFolder read_one_folder(const git::Repository& repo, const std::string& name, const git::Oid& tree,
                             BlobCache* cache) {
  return kept_folder(tree, name, [&] { return read_folder(repo, name, tree, cache); });
}

// A long-running reader answers a model's reads from the whole folder, read once and kept
// (kept_reads.h): every page and API answer of a model shares one parse of its files. Null for
// a one-shot command, or when the folder does not read strictly: then the single file is read,
// and its error, if any, is the answer.
SharedFolder kept_whole_folder(const Snapshot::Impl& impl, const std::string& name) {
  if (!read_caches_in_memory() || name.empty()) return nullptr;
  const auto folder = impl.model_folder(name);
  if (!folder) return nullptr;
  try {
    return read_one_folder(*impl.repo, name, *folder, impl.blob_cache(1));
  } catch (const Error&) {
    return nullptr;
  }
}

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

ModelSummary summarize(const ModelFolder& f, const std::vector<std::string>& stages) {
  ModelSummary s;
  s.latest_versions = latest_per_stage(f.versions, stages);
  s.version_count = f.versions.size();
  s.model = f.model;
  for (const auto& v : f.versions) s.model.updated_at = std::max(s.model.updated_at, v.updated_at);
  return s;
}

// The summary of a model folder; a folder with a file that does not read gives a broken
// summary (ModelSummary::problems) rather than an error. Read strictly first, so that the
// cache serves the folders whose files read, and only a broken folder is read twice.
ModelSummary summarize_folder(const git::Repository& repo, const std::string& name, const git::Oid& tree,
                              BlobCache* cache, const std::vector<std::string>& stages) {
  try {
    return summarize(read_folder(repo, name, tree, cache), stages);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::INVALID_STATE) throw;
  }
  std::vector<Problem> problems;
  ModelSummary s = summarize(read_folder(repo, name, tree, nullptr, &problems), stages);
  s.problems = std::move(problems);
  return s;
}

}  // namespace

std::optional<git::TreeEntry> Snapshot::Impl::entry(const std::string& path) const {
  const std::string prefix = "models/";
  if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) {
    const auto slash = path.find('/', prefix.size());
    const std::string folder_name = path.substr(prefix.size(), slash == std::string::npos ? std::string::npos : slash - prefix.size());
    const auto name = model_name_of_folder(folder_name);
    if (name && slash != std::string::npos && slash + 1 < path.size()) {
      const auto folder = model_folder(*name);
      if (!folder) return std::nullopt;
      return repo->tree_entry(*folder, path.substr(slash + 1));
    }
  }
  return repo->tree_entry(tree, path);
}

Snapshot::Impl::~Impl() {
  if (blobs_) blobs_->flush();
}

BlobCache* Snapshot::Impl::blob_cache(std::size_t folders) const {
  // Loading the cache costs more than parsing a few files: only reads of many
  // folders use it.
  std::lock_guard<std::mutex> lock(mutex_);
  folders_read_ += folders;
  if (!blobs_ && folders_read_ >= kBlobCacheAfter) blobs_ = std::make_unique<BlobCache>(repo->git_dir());
  return blobs_.get();
}

std::optional<std::string> Snapshot::Impl::read(const std::string& path) const {
  auto e = entry(path);
  if (!e || e->type != git::ObjectType::Blob) return std::nullopt;
  // Any file (a signature, allowed_signers): its reader judges it; YAML readers apply their
  // own 1 MiB limit.
  return repo->read_registry_file(e->oid, path, kMaxOtherFileBytes);
}

const std::vector<git::TreeEntry>& Snapshot::Impl::model_folders() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!model_folders_) {
    auto models = entry("models");
    if (!models || models->type != git::ObjectType::Tree) {
      model_folders_ = std::make_shared<const std::vector<git::TreeEntry>>();
      return *model_folders_;
    }
    model_folders_ = kept_listing(models->oid, [&] {
    std::vector<git::TreeEntry> folders;
      for (auto& e : repo->read_tree(models->oid))
        if (e.type == git::ObjectType::Tree) {
          // Each entry is named by the model its folder holds (FORMAT.md, "Names"); a folder
          // that encodes no name keeps its own name (mreg check reports it).
          if (auto name = model_name_of_folder(e.name)) e.name = std::move(*name);
          folders.push_back(std::move(e));
        }
    // git sorts a tree's folders as if their names ended in '/', so "a-b" comes before "a":
    // sort by name for the binary searches below.
    std::sort(folders.begin(), folders.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return folders;
    });
  }
  return *model_folders_;
}

std::optional<git::Oid> Snapshot::Impl::model_folder(const std::string& name) const {
  // A long-running reader keeps the listing of the served commit: a binary search.
  if (read_caches_in_memory()) model_folders();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (model_folders_) {
      auto it = std::lower_bound(model_folders_->begin(), model_folders_->end(), name,
                                 [](const git::TreeEntry& e, const std::string& n) { return e.name < n; });
      if (it != model_folders_->end() && it->name == name) return it->oid;
      return std::nullopt;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = folder_lookups_.find(name);
    if (it != folder_lookups_.end()) return it->second;
  }
  // One lookup reads the whole models/ tree, which libgit2 does not keep when it is
  // large: remember the answer for the next read of this model.
  const auto models = repo->tree_entry(tree, "models");
  std::optional<git::TreeEntry> e;
  if (models && models->type == git::ObjectType::Tree) e = repo->tree_entry(models->oid, model_folder_name(name));
  std::optional<git::Oid> found;
  if (e && e->type == git::ObjectType::Tree) found = e->oid;
  std::lock_guard<std::mutex> lock(mutex_);
  folder_lookups_[name] = found;
  return found;
}

void Snapshot::Impl::know_folder(const std::string& name, const std::optional<git::Oid>& folder) const {
  std::lock_guard<std::mutex> lock(mutex_);
  folder_lookups_[name] = folder;
}

Snapshot Registry::Impl::snapshot_at(const git::Oid& commit) const { return snapshot_at(commit, "", std::nullopt); }

Snapshot Registry::Impl::snapshot_at(const git::Oid& commit, const std::string& model,
                                     const std::optional<git::Oid>& folder) const {
  auto impl = std::make_shared<Snapshot::Impl>();
  if (!model.empty()) impl->know_folder(model, folder);
  impl->repo = repo;
  impl->commit = commit;
  impl->commit_hex = commit.hex();
  const SharedBasics basics = kept_basics(commit, [&] {
    CommitBasics b;
    const auto info = repo->read_commit(commit);
    b.tree = info.tree;
    b.time = info.committer.time;
    auto config = repo->tree_entry(b.tree, registry_config_path());
    if (!config || config->type != git::ObjectType::Blob)
      throw Error(ErrorCode::INVALID_STATE, "not a registry: no mreg.yaml in commit " + impl->commit_hex.substr(0, 12) +
                                                " of " + repo->git_dir() + " (run 'mreg init')");
    b.config_blob = config->oid;
    b.config = parse_registry_config(repo->read_registry_file(config->oid, registry_config_path()), registry_config_path());
    return b;
  });
  impl->tree = basics->tree;
  impl->time = basics->time;
  impl->config_blob = basics->config_blob;
  impl->config = basics->config;
  return Snapshot(std::move(impl));
}

namespace {
template <class T, class Parse>
T parsed_once(std::mutex& mutex, std::map<std::pair<git::Oid, std::string>, T>& memo, const git::Repository& repo,
              const git::Oid& oid, const std::string& path, Parse parse) {
  auto key = std::make_pair(oid, path);
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = memo.find(key); it != memo.end()) return it->second;
  }
  T value = parse(repo.read_registry_file(oid, path), path);  // throws for a bad file: nothing is kept
  std::lock_guard<std::mutex> lock(mutex);
  return memo.emplace(std::move(key), std::move(value)).first->second;
}
}  // namespace

RegisteredModel Snapshot::Impl::parsed_model(const git::Oid& oid, const std::string& path) const {
  return parsed_once(mutex_, parsed_models_, *repo, oid, path, parse_model);
}

TransitionRequest Snapshot::Impl::parsed_request(const git::Oid& oid, const std::string& path) const {
  return parsed_once(mutex_, parsed_requests_, *repo, oid, path, parse_request);
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
  for (const auto& e : impl_->model_folders()) out.push_back(e.name);
  return out;
}

bool Snapshot::has_model(const std::string& name) const {
  auto folder = impl_->model_folder(name);
  if (!folder) return false;
  auto e = impl_->repo->tree_entry(*folder, "model.yaml");
  return e && e->type == git::ObjectType::Blob;
}

RegisteredModel Snapshot::get_registered_model(const std::string& name) const {
  refuse_empty_name(name);
  if (auto kept = kept_whole_folder(*impl_, name)) return kept->model;
  auto folder = impl_->model_folder(name);
  auto e = folder ? impl_->repo->tree_entry(*folder, "model.yaml") : std::nullopt;
  if (e)
    if (auto p = git::unexpected_entry(*e, model_path(name))) throw ManifestError({std::move(*p)});
  if (!e || e->type != git::ObjectType::Blob) model_not_found(*this, name);
  RegisteredModel m = impl_->parsed_model(e->oid, model_path(name));
  if (m.name != name)
    throw ManifestError({{model_path(name), 1, "field 'name': '" + m.name + "' does not match the folder name '" + name + "'"}});
  return m;
}

ModelVersion Snapshot::get_model_version(const std::string& name, std::int64_t version) const {
  // As kept_whole_folder, reading only the version asked for out of a kept folder.
  if (read_caches_in_memory() && !name.empty())
    if (const auto folder = impl_->model_folder(name)) try {
        auto kept = kept_folder_version(*folder, name, version,
                                        [&] { return read_folder(*impl_->repo, name, *folder, impl_->blob_cache(1)); });
        if (kept) return std::move(*kept);
      } catch (const Error&) {
      }
  RegisteredModel m = get_registered_model(name);
  const std::string path = version_path(name, version);
  auto folder = impl_->model_folder(name);
  auto e = impl_->repo->tree_entry(*folder, "versions/" + std::to_string(version) + ".yaml");
  if (e)
    if (auto p = git::unexpected_entry(*e, path)) throw ManifestError({std::move(*p)});
  if (!e || e->type != git::ObjectType::Blob)
    throw_not_found("Model Version (name=" + name + ", version=" + std::to_string(version) + ") not found");
  ModelVersion v = parse_version(impl_->repo->read_registry_file(e->oid, path), path);
  if (v.name != name || v.version != version)
    throw ManifestError({{path, 1, "fields 'name' and 'version' do not match the file's place (" + name + " v" +
                                       std::to_string(version) + ")"}});
  attach_aliases(v, m);
  return v;
}

std::vector<ModelVersion> Snapshot::get_model_versions(const std::string& name) const {
  refuse_empty_name(name);
  auto folder = impl_->model_folder(name);
  if (!folder) model_not_found(*this, name);
  return read_one_folder(*impl_->repo, name, *folder, impl_->blob_cache(1))->versions;
}

std::size_t Snapshot::read_all_models_into_memory(const std::function<bool()>& go_on) const {
  if (!read_caches_in_memory()) return 0;
  const auto& folders = impl_->model_folders();
  // Each window of the pack mapped once for the pass, not once per file read.
  git::WidePackWindows wide(impl_->repo->pack_bytes() + (std::size_t(64) << 20));
  std::size_t read = 0;
  for (const auto& folder : folders) {
    if (!go_on()) break;
    if (kept_whole_folder(*impl_, folder.name)) ++read;
  }
  return read;
}

std::string Snapshot::canonical_stage(const std::string& stage) const {
  for (const auto& s : impl_->config.stages)
    if (fold_case(s) == fold_case(stage)) return s;
  std::string list;
  for (const auto& s : impl_->config.stages) list += (list.empty() ? "" : ", ") + s;
  throw_invalid("Invalid Model Version stage: " + stage + ". Value must be one of " + list + ".");
}

std::vector<ModelVersion> Snapshot::get_latest_versions(const std::string& name,
                                                        const std::vector<std::string>& stages) const {
  // In the registry's stage order, whatever order they were asked in.
  std::vector<std::string> asked;
  for (const auto& s : stages) asked.push_back(canonical_stage(s));
  std::vector<std::string> wanted;
  for (const auto& s : impl_->config.stages)
    if (asked.empty() || std::find(asked.begin(), asked.end(), s) != asked.end()) wanted.push_back(s);
  return latest_per_stage(get_model_versions(name), wanted);
}

ModelSummary Snapshot::get_model_summary(const std::string& name) const {
  refuse_empty_name(name);
  auto folder = impl_->model_folder(name);
  if (!folder) model_not_found(*this, name);
  return summarize(*read_one_folder(*impl_->repo, name, *folder, impl_->blob_cache(1)), impl_->config.stages);
}

ModelSummary Snapshot::summarize_model(const std::string& name) const {
  refuse_empty_name(name);
  auto folder = impl_->model_folder(name);
  if (!folder || !has_model(name)) model_not_found(*this, name);
  if (auto kept = kept_whole_folder(*impl_, name)) return summarize(*kept, impl_->config.stages);
  return summarize_folder(*impl_->repo, name, *folder, impl_->blob_cache(1), impl_->config.stages);
}

void Snapshot::for_each_model_versions(
    const std::function<bool(const std::string&)>& wanted, const std::function<void(std::vector<ModelVersion>&)>& visit,
    const std::function<void(const std::string&, const std::vector<Problem>&)>& broken) const {
  const auto& folders = impl_->model_folders();
  BlobCache* cache = impl_->blob_cache(folders.size());
  ProgressReport progress("Searching the versions of models", folders.size());
  for (const auto& folder : folders) {
    progress.advance();
    if (!wanted(folder.name)) continue;
    ModelFolder f;
    try {
      f = read_folder(*impl_->repo, folder.name, folder.oid, cache);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::RESOURCE_DOES_NOT_EXIST) continue;  // a folder without model.yaml is not a model
      if (!broken || e.code() != ErrorCode::INVALID_STATE) throw;
      std::vector<Problem> problems;
      read_folder(*impl_->repo, folder.name, folder.oid, nullptr, &problems);
      broken(folder.name, problems);
      continue;
    }
    visit(f.versions);
  }
}

namespace {

// Parses the summaries of these model folders into ready[i], on every core (each worker opens
// the repository itself); a broken folder gives a broken summary; rethrows the first other
// error once all are done.
void parse_summaries(const Snapshot::Impl& impl, const std::vector<size_t>& which, BlobCache* blobs,
                     ProgressReport& progress, std::vector<std::shared_ptr<const ModelSummary>>& ready) {
  const auto& folders = impl.model_folders();
  std::vector<std::exception_ptr> errors(which.size());
  auto work = [&](size_t first, size_t step, const git::Repository& repo) {
    for (size_t k = first; k < which.size(); k += step) {
      const size_t i = which[k];
      try {
        // A folder without model.yaml is not a model (mreg check says so): it stays null.
        if (repo.tree_entry(folders[i].oid, "model.yaml"))
          ready[i] = std::make_shared<ModelSummary>(
              summarize_folder(repo, folders[i].name, folders[i].oid, blobs, impl.config.stages));
      } catch (...) {
        errors[k] = std::current_exception();
      }
      progress.advance();
    }
  };
  const size_t threads = which.size() >= 64 ? std::max(1u, std::min(4u, std::thread::hardware_concurrency())) : 1;
  if (threads <= 1) {
    work(0, 1, *impl.repo);
  } else {
    const std::string git_dir = impl.repo->git_dir();
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        auto repo = git::Repository::open(git_dir);
        work(t, threads, repo);
      });
    for (auto& th : pool) th.join();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

std::vector<ModelSummary> Snapshot::list_registered_models() const {
  std::vector<ModelSummary> result;
  visit_model_summaries([&](std::shared_ptr<const ModelSummary>& s) {
    // Held nowhere else (no in-memory memo: a one-shot command): moved, not copied, so the
    // list is never held twice. (The summaries are made as non-const objects behind const
    // pointers, so moving one out is allowed.)
    if (s.use_count() == 1) result.push_back(std::move(const_cast<ModelSummary&>(*s)));
    else result.push_back(*s);
  });
  return result;
}

std::vector<std::shared_ptr<const ModelSummary>> Snapshot::shared_model_summaries() const {
  std::vector<std::shared_ptr<const ModelSummary>> out;
  visit_model_summaries([&](std::shared_ptr<const ModelSummary>& s) { out.push_back(std::move(s)); });
  return out;
}

void Snapshot::for_each_registered_model(const std::function<void(const ModelSummary&)>& visit) const {
  visit_model_summaries([&](std::shared_ptr<const ModelSummary>& s) { visit(*s); });
}

void Snapshot::visit_model_summaries(const std::function<void(std::shared_ptr<const ModelSummary>&)>& visit) const {
  const auto& folders = impl_->model_folders();
  const std::size_t n = folders.size();
  // What is ready before the visits start: the memo's summaries and the folders parsed now.
  std::vector<std::shared_ptr<const ModelSummary>> ready(n);
  std::vector<size_t> missing;
  const auto memo = SummaryMemo::of(impl_->repo->git_dir(), impl_->config_blob);
  // A summary found that is not this folder's is read again.
  auto fits = [&](size_t i, const ModelSummary& found) { return found.model.name == folders[i].name; };
  for (size_t i = 0; i < n; ++i) {
    if (memo) ready[i] = memo->find(folders[i].oid);
    if (ready[i] && !fits(i, *ready[i])) ready[i].reset();
    if (!ready[i]) missing.push_back(i);
  }
  // Loading the file cache costs more than parsing the few folders a new commit changed.
  // Its summaries are decoded as they are visited, so a listing never holds them all.
  std::optional<SummaryCache> cache;
  std::vector<bool> cached(n);
  if (!memo || missing.size() >= Impl::kBlobCacheAfter) {
    cache.emplace(impl_->repo->git_dir());
    std::vector<size_t> still;
    for (size_t i : missing) {
      if (cache->contains(folders[i].oid, impl_->config_blob)) cached[i] = true;
      else still.push_back(i);
    }
    missing = std::move(still);
  }
  // Parse what the cache does not have before anything is visited (so that an error
  // other than a broken file fails the read before any answer is given), on every core: a
  // first read after a clone parses the whole registry. A chunk at a time, each written to
  // the cache and let go, to be decoded again when its turn comes: memory stays bounded by
  // the chunk. (Held instead when the cache cannot be written, or for the memo.) A broken
  // model's summary is never written to the file cache: it is held until visited (broken
  // models are few, and are read again by each listing).
  const std::string git_dir = impl_->repo->git_dir();
  const auto& stages = impl_->config.stages;
  BlobCache* blobs = impl_->blob_cache(missing.size());
  bool written = false;
  {
    ProgressReport progress("Reading models", missing.size());
    constexpr size_t kChunk = 4096;
    for (size_t begin = 0; begin < missing.size(); begin += kChunk) {
      const size_t end = std::min(missing.size(), begin + kChunk);
      parse_summaries(*impl_, {missing.data() + begin, missing.data() + end}, blobs, progress, ready);
      for (size_t k = begin; k < end; ++k) {
        const size_t i = missing[k];
        if (!ready[i]) continue;
        if (cache && ready[i]->problems.empty()) cache->add(folders[i].oid, impl_->config_blob, *ready[i]);
        if (memo) memo->add(folders[i].oid, ready[i]);
      }
      if (cache && cache->flush() && !memo) {
        written = true;
        for (size_t k = begin; k < end; ++k)
          if (ready[missing[k]] && ready[missing[k]]->problems.empty()) {
            ready[missing[k]].reset();
            cached[missing[k]] = true;
          }
      }
    }
  }
  if (written) cache.emplace(git_dir);  // loaded again, with what was just written

  for (size_t i = 0; i < n; ++i) {
    if (cached[i]) {
      auto found = cache->find(folders[i].oid, impl_->config_blob);
      if (found && fits(i, *found)) {
        ready[i] = std::make_shared<ModelSummary>(std::move(*found));
      } else {
        // The record no longer reads back (another process started the file again): the files.
        ready[i] = std::make_shared<ModelSummary>(
            summarize_folder(*impl_->repo, folders[i].name, folders[i].oid, blobs, stages));
      }
      if (memo) memo->add(folders[i].oid, ready[i]);
    }
    if (ready[i]) visit(ready[i]);
    ready[i].reset();
  }
  if (memo) memo->prune(n);
}

}  // namespace mreg
