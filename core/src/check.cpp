// `mreg check`: every rule of FORMAT.md over a whole registry, reported as
// problems rather than thrown, so one run lists them all.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>
#include <fstream>
#include <set>
#include <sstream>

#include "manifest.h"
#include "mreg/names.h"
#include "registry_impl.h"
#include "schema.h"
#include "yaml_doc.h"

namespace mreg {
namespace {

// Where the files come from: a commit's tree, or the work tree.
class FileSource {
 public:
  virtual ~FileSource() = default;
  virtual std::optional<std::string> read(const std::string& path) const = 0;
  // Entries directly in `dir`: (name, is_dir).
  virtual std::vector<std::pair<std::string, bool>> list(const std::string& dir) const = 0;
  // The entries in and below `dir` that are neither plain files nor folders (symbolic links,
  // gitlinks), each a problem.
  virtual void odd_entries(const std::string& dir, std::vector<Problem>& out) const = 0;
};

// Each folder is read once and found through its parent: a path lookup from
// the root would read the whole models/ tree again for every file.
class TreeSource : public FileSource {
 public:
  TreeSource(git::Repository repo, git::Oid tree) : repo_(std::move(repo)), tree_(tree) {}
  std::optional<std::string> read(const std::string& path) const override {
    auto e = find(path);
    if (!e || e->type != git::ObjectType::Blob || git::unexpected_entry(*e, path)) return std::nullopt;
    return repo_.read_registry_file(e->oid, path);
  }
  void odd_entries(const std::string& dir, std::vector<Problem>& out) const override {
    const auto* entries = folder(dir);
    if (!entries) return;
    for (const auto& e : *entries) {
      const std::string path = dir + "/" + e.name;
      if (auto p = git::unexpected_entry(e, path)) out.push_back(std::move(*p));
      else if (e.type == git::ObjectType::Tree) odd_entries(path, out);
    }
  }
  std::vector<std::pair<std::string, bool>> list(const std::string& dir) const override {
    std::vector<std::pair<std::string, bool>> out;
    const auto* entries = folder(dir);
    if (!entries) return out;
    for (const auto& c : *entries) out.emplace_back(c.name, c.type == git::ObjectType::Tree);
    return out;
  }

 private:
  std::optional<git::TreeEntry> find(const std::string& path) const {
    const auto slash = path.rfind('/');
    const auto* entries = folder(slash == std::string::npos ? "" : path.substr(0, slash));
    if (!entries) return std::nullopt;
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    for (const auto& e : *entries)
      if (e.name == name) return e;
    return std::nullopt;
  }
  const std::vector<git::TreeEntry>* folder(const std::string& dir) const {
    auto it = folders_.find(dir);
    if (it != folders_.end()) return it->second ? &*it->second : nullptr;
    std::optional<std::vector<git::TreeEntry>> entries;
    if (dir.empty()) {
      entries = repo_.read_tree(tree_);
    } else if (auto e = find(dir); e && e->type == git::ObjectType::Tree) {
      entries = repo_.read_tree(e->oid);
    }
    auto& slot = folders_[dir] = std::move(entries);
    return slot ? &*slot : nullptr;
  }

  git::Repository repo_;
  git::Oid tree_;
  mutable std::map<std::string, std::optional<std::vector<git::TreeEntry>>> folders_;
};

class WorktreeSource : public FileSource {
 public:
  explicit WorktreeSource(std::filesystem::path root) : root_(std::move(root)) {}
  std::optional<std::string> read(const std::string& path) const override {
    std::error_code ec;
    const auto status = std::filesystem::symlink_status(root_ / path, ec);
    if (ec || status.type() != std::filesystem::file_type::regular) return std::nullopt;
    const auto size = std::filesystem::file_size(root_ / path, ec);
    if (!ec && size > kMaxRegistryFileBytes) throw ManifestError({file_too_large(path, size)});
    std::ifstream f(root_ / path, std::ios::binary);
    if (!f) return std::nullopt;
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  void odd_entries(const std::string& dir, std::vector<Problem>& out) const override {
    std::error_code ec;
    std::vector<std::pair<std::string, std::filesystem::file_type>> entries;
    for (const auto& e : std::filesystem::directory_iterator(root_ / dir, ec))
      entries.emplace_back(e.path().filename().string(), e.symlink_status().type());
    std::sort(entries.begin(), entries.end());
    for (const auto& [name, type] : entries) {
      const std::string path = dir + "/" + name;
      if (type == std::filesystem::file_type::directory) odd_entries(path, out);
      else if (type == std::filesystem::file_type::symlink)
        out.push_back({path, 0, "is a symbolic link; a registry holds only plain files and folders"});
      else if (type != std::filesystem::file_type::regular)
        out.push_back({path, 0, "is not a plain file or folder; a registry holds only plain files and folders"});
    }
  }
  std::vector<std::pair<std::string, bool>> list(const std::string& dir) const override {
    std::vector<std::pair<std::string, bool>> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root_ / dir, ec))
      out.emplace_back(e.path().filename().string(), e.is_directory());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::filesystem::path root_;
};

template <typename T, typename Parse>
std::optional<T> load(const FileSource& src, const std::string& path, Parse parse, std::vector<Problem>& out) {
  try {
    auto text = src.read(path);
    if (!text) return std::nullopt;
    return parse(*text, path);
  } catch (const ManifestError& e) {
    out.insert(out.end(), e.problems().begin(), e.problems().end());
  } catch (const Error& e) {
    out.push_back({path, 1, e.what()});
  }
  return std::nullopt;
}

// The line of a top-level key in a file, for cross-file problems.
int key_line(const FileSource& src, const std::string& path, const std::string& pointer) {
  try {
    auto text = src.read(path);
    if (text) return parse_yaml(*text, path).line_of(pointer);
  } catch (...) {
  }
  return 1;
}

std::int64_t version_number_of(const std::string& file) {
  if (file.size() < 6 || file.compare(file.size() - 5, 5, ".yaml") != 0) return 0;
  try {
    const std::string digits = file.substr(0, file.size() - 5);
    if (digits[0] == '0') return 0;
    return parse_version_number(digits);
  } catch (const Error&) {
    return 0;
  }
}

// The problems of one model folder, in the order they are found.
std::vector<Problem> check_model_folder(const FileSource& src, const std::string& name,
                                        const std::optional<RegistryConfig>& config) {
  std::vector<Problem> out;
  const std::string dir = model_dir(name);
  std::set<std::string> stages;
  if (config) stages.insert(config->stages.begin(), config->stages.end());
  const std::string mpath = model_path(name);
  const size_t before = out.size();
  auto model = load<RegisteredModel>(src, mpath, parse_model, out);
  if (!model && out.size() == before) out.push_back({mpath, 0, "missing: every model folder has a model.yaml"});
  if (model && model->name != name)
    out.push_back({mpath, key_line(src, mpath, "/name"), "field 'name': '" + model->name + "' does not match the folder name '" + model_folder_name(name) + "'" +
                                                             (model_folder_name(model->name) == model_folder_name(name) ? "" : " (folder-name: the folder of '" + model->name + "' is '" + model_folder_name(model->name) + "')")});

  std::set<std::int64_t> versions;
  for (const auto& [file, file_is_dir] : src.list(dir + "/versions")) {
    const std::string vpath = dir + "/versions/" + file;
    const std::int64_t n = file_is_dir ? 0 : version_number_of(file);
    if (n == 0) {
      out.push_back({vpath, 0, "unexpected file: versions/ holds <n>.yaml files, n = 1, 2, 3, ..."});
      continue;
    }
    versions.insert(n);
    auto v = load<ModelVersion>(src, vpath, parse_version, out);
    if (!v) continue;
    if (v->name != name)
      out.push_back({vpath, key_line(src, vpath, "/name"), "field 'name': '" + v->name + "' does not match the model folder '" + name + "'"});
    if (v->version != n)
      out.push_back({vpath, key_line(src, vpath, "/version"), "field 'version': " + std::to_string(v->version) + " does not match the file name " + file});
    if (config && !stages.count(v->stage))
      out.push_back({vpath, key_line(src, vpath, "/stage"), "field 'stage': '" + v->stage + "' is not a stage of mreg.yaml"});
    if (model && n > model->last_version)
      out.push_back({mpath, key_line(src, mpath, "/last_version"), "field 'last_version': " + std::to_string(model->last_version) +
                                                                       " is lower than version " + std::to_string(n)});
  }
  if (model)
    for (const auto& [alias, target] : model->aliases) {
      try {
        check_alias_name(alias);
      } catch (const Error& e) {
        out.push_back({mpath, key_line(src, mpath, "/aliases/" + alias), e.what()});
      }
      if (!versions.count(target))
        out.push_back({mpath, key_line(src, mpath, "/aliases/" + alias),
                       "alias '" + alias + "' points at version " + std::to_string(target) + ", which does not exist"});
    }
  for (const auto& [entry, entry_is_dir] : src.list(dir)) {
    static const std::set<std::string> known{"model.yaml", "versions", "requests", "approvals"};
    if (!known.count(entry)) out.push_back({dir + "/" + entry, 0, "unexpected entry in a model folder"});
  }
  src.odd_entries(dir, out);
  return out;
}

// Why a folder under models/ holds no model name; "folder-name" is the problem's code.
std::string folder_name_problem(const std::string& folder) {
  std::string hint;
  try {
    check_model_name(folder);
    hint = "; the folder of the model name '" + folder + "' is '" + model_folder_name(folder) + "'";
  } catch (const Error&) {
  }
  return "folder-name: '" + folder + "' is not the folder of any model name (a plain name is its own folder, "
         "any other name is percent-encoded; FORMAT.md, Names)" + hint;
}

using MakeSource = std::function<std::unique_ptr<FileSource>()>;

std::vector<Problem> check_source(const MakeSource& make_source) {
  const auto src = make_source();
  std::vector<Problem> out;
  auto config = load<RegistryConfig>(*src, registry_config_path(), parse_registry_config, out);
  if (!config && out.empty()) {
    out.push_back({registry_config_path(), 0, "missing: not a registry (run 'mreg init')"});
    return out;
  }
  src->odd_entries(".mreg", out);

  // Names first (the folder checks of many models run on every core), then in folder order:
  // each folder's name problems, then its files'.
  const auto entries = src->list("models");
  std::vector<std::vector<Problem>> name_problems(entries.size());
  std::map<std::string, std::string> folded;  // lower-case name -> first name seen
  std::vector<std::optional<std::string>> model_names(entries.size());  // decoded from the folders
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [folder, is_dir] = entries[i];
    const std::string dir = "models/" + folder;
    auto& mine = name_problems[i];
    if (!is_dir) {
      mine.push_back({dir, 0, "unexpected file: models/ holds one folder per model"});
      continue;
    }
    const auto name = model_name_of_folder(folder);
    if (!name) {
      mine.push_back({dir, 0, folder_name_problem(folder)});
      continue;
    }
    model_names[i] = *name;
    auto [it, fresh] = folded.emplace(fold_case(*name), *name);
    if (!fresh)
      mine.push_back({dir, 0, "model name '" + *name + "' differs from '" + it->second + "' only in case; names must be unique ignoring case"});
  }
  std::vector<std::vector<Problem>> folder_problems(entries.size());
  std::vector<std::exception_ptr> errors(entries.size());
  auto work = [&](size_t first, size_t step, const FileSource& mine) {
    for (size_t i = first; i < entries.size(); i += step) try {
        if (model_names[i]) folder_problems[i] = check_model_folder(mine, *model_names[i], config);
      } catch (...) {
        errors[i] = std::current_exception();
      }
  };
  const size_t threads = entries.size() >= 64 ? std::max(1u, std::min(4u, std::thread::hardware_concurrency())) : 1;
  if (threads <= 1) {
    work(0, 1, *src);
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back([&, t] { work(t, threads, *make_source()); });
    for (auto& th : pool) th.join();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  for (size_t i = 0; i < entries.size(); ++i) {
    out.insert(out.end(), name_problems[i].begin(), name_problems[i].end());
    out.insert(out.end(), folder_problems[i].begin(), folder_problems[i].end());
  }
  return out;
}

}  // namespace

std::vector<Problem> check_registry(const Registry& registry, const std::string& rev) {
  const std::string path = registry.path();
  const git::Oid tree = [&] {
    auto repo = git::Repository::open(path);
    return repo.read_commit(resolve_revision(repo, rev)).tree;
  }();
  // Each worker reads through a repository of its own.
  return check_source([&] { return std::make_unique<TreeSource>(git::Repository::open(path), tree); });
}

std::vector<Problem> check_worktree(const Registry& registry) {
  if (registry.is_bare()) throw_invalid("--worktree: the repository is bare and has no work tree");
  return check_source([&] { return std::make_unique<WorktreeSource>(registry.path()); });
}

}  // namespace mreg
