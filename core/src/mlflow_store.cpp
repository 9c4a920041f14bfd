// MLflow's file store read and written, and an MLflow registry imported with its history.
#include "mreg/mlflow_store.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <fstream>
#include <sstream>

#include "manifest.h"
#include "mreg/names.h"
#include "mreg/problem.h"
#include "mreg/timefmt.h"
#include "policy_gate.h"
#include "progress_report.h"
#include "registry_impl.h"
#include "mreg/utf8.h"
#include "yaml_doc.h"

namespace mreg {
namespace fs = std::filesystem;
namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw_invalid("cannot read " + p.string());
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void spill(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << data;
  if (!f) throw Error(ErrorCode::INTERNAL_ERROR, "cannot write " + p.string());
}

std::string text_of(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::int64_t number_of(const Json& obj, const char* key, const std::string& file) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) try {
      return std::stoll(it->get<std::string>());
    } catch (...) {
    }
  throw_invalid(file + ": field '" + key + "' is not a number");
}

Json read_meta(const fs::path& file) {
  try {
    const YamlDocument doc = parse_yaml(slurp(file), file.string());
    if (!doc.value.is_object()) throw_invalid(file.string() + ": not a mapping");
    return doc.value;
  } catch (const ManifestError& e) {
    throw_invalid(e.what());
  }
}

// tags/<key> files; a key with '/' is a path below tags/.
TagMap read_tags(const fs::path& dir) {
  TagMap tags;
  if (!fs::is_directory(dir)) return tags;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) {
      std::string key = fs::relative(e.path(), dir).generic_string(), value = slurp(e.path());
      for (const auto* text : {&key, &value})
        if (std::string problem = text_problem(*text); !problem.empty())
          throw_invalid(e.path().string() + ": the tag's " + (text == &key ? "key " : "value ") + problem);
      tags[key] = std::move(value);
    }
  return tags;
}

// What MLflow's YAML reader takes back as the same value: JSON scalars are YAML.
std::string yaml_value(const Json& v) { return v.dump(); }

std::string meta_yaml(const std::vector<std::pair<std::string, Json>>& fields) {
  auto sorted = fields;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [k, v] : sorted) {
    if (v.is_object()) {
      out += k + ":" + (v.empty() ? " {}\n" : "\n");
      for (auto it = v.begin(); it != v.end(); ++it) out += "  " + Json(it.key()).dump() + ": " + yaml_value(*it) + "\n";
    } else if (v.is_array()) {
      out += k + ": " + v.dump() + "\n";
    } else {
      out += k + ": " + yaml_value(v) + "\n";
    }
  }
  return out;
}

Json or_null(const std::string& s) { return s.empty() ? Json() : Json(s); }

// The identity an MLflow user id stands for; MLflow keeps no email.
Identity identity_of(const std::string& user_id, const Identity& importer, std::int64_t ms) {
  Identity id = importer;
  const auto lt = user_id.find(" <");
  if (lt != std::string::npos && user_id.back() == '>') {  // "Name <email>", as mreg exports it
    id.name = user_id.substr(0, lt);
    id.email = email_of(user_id);
  } else if (!user_id.empty()) {
    id.name = user_id;
    id.email = user_id.find('@') != std::string::npos ? user_id : user_id + "@mlflow.invalid";
  }
  id.time = seconds_of(ms);
  id.millis = static_cast<int>(ms - ms_of(id.time));
  id.offset_minutes = 0;
  return id;
}

// The other way: "Name <email>" as it is, or the bare user id an import was given.
std::string mlflow_user(const std::string& created_by) {
  const std::string suffix = "@mlflow.invalid>";
  if (created_by.size() > suffix.size() && created_by.compare(created_by.size() - suffix.size(), suffix.size(), suffix) == 0)
    return created_by.substr(0, created_by.find(" <"));
  return created_by;
}

}  // namespace

namespace {
// The logged model a models:/<id> URI names (no '/' or '@' after the id); else "".
std::string logged_model_id(const std::string& source) {
  const std::string prefix = "models:/";
  if (source.rfind(prefix, 0) != 0) return "";
  const std::string rest = source.substr(prefix.size());
  return rest.empty() || rest.find_first_of("/@") != std::string::npos ? "" : rest;
}
}  // namespace

MlflowVersion mlflow_version_fields(const Json& vm, const std::string& where) {
  MlflowVersion v;
  v.version = number_of(vm, "version", where);
  if (v.version <= 0) throw_invalid(where + ": no version number");
  v.stage = text_of(vm, "current_stage");
  if (v.stage.empty()) v.stage = "None";
  v.description = text_of(vm, "description");
  v.source = text_of(vm, "source");
  v.run_id = text_of(vm, "run_id");
  v.run_link = text_of(vm, "run_link");
  v.model_id = text_of(vm, "model_id");
  v.storage_location = text_of(vm, "storage_location");
  v.status = text_of(vm, "status");
  if (v.status.empty()) v.status = "READY";
  v.status_message = text_of(vm, "status_message");
  v.user_id = text_of(vm, "user_id");
  v.created_ms = number_of(vm, "creation_timestamp", where);
  v.updated_ms = number_of(vm, "last_updated_timestamp", where);
  return v;
}

namespace {

// One model folder of a file store (dir/meta.yaml, its tags, aliases and versions).
MlflowModel read_file_store_model(const fs::path& dir_path) {
  const fs::path meta_file = dir_path / "meta.yaml";
  const Json meta = read_meta(meta_file);
  MlflowModel m;
  m.name = text_of(meta, "name");
  if (m.name.empty()) throw_invalid(meta_file.string() + ": no name");
  m.description = text_of(meta, "description");
  m.created_ms = number_of(meta, "creation_timestamp", meta_file.string());
  m.updated_ms = number_of(meta, "last_updated_timestamp", meta_file.string());
  m.tags = read_tags(dir_path / "tags");
  // The aliases/ folder is what MLflow reads; the copies in meta.yaml go stale.
  if (fs::is_directory(dir_path / "aliases"))
    for (const auto& a : fs::directory_iterator(dir_path / "aliases")) {
      try {
        m.aliases[a.path().filename().string()] = parse_version_number(slurp(a.path()));
      } catch (const Error&) {
        throw_invalid(a.path().string() + ": not a version number");
      }
    }
  for (const auto& vdir : fs::directory_iterator(dir_path)) {
    const std::string n = vdir.path().filename().string();
    if (!vdir.is_directory() || n.rfind("version-", 0) != 0) continue;
    const fs::path vfile = vdir.path() / "meta.yaml";
    const Json vm = read_meta(vfile);
    MlflowVersion v = mlflow_version_fields(vm, vfile.string());
    v.tags = read_tags(vdir.path() / "tags");
    m.versions.push_back(std::move(v));
  }
  std::sort(m.versions.begin(), m.versions.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return m;
}

}  // namespace

MlflowRegistry read_mlflow_file_store(const std::string& path) {
  fs::path root = path;
  if (fs::is_directory(root / "models")) root /= "models";
  if (!fs::is_directory(root)) throw_invalid(path + " is not an MLflow file store (no models/ folder)");
  MlflowRegistry out;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory() || !fs::exists(dir.path() / "meta.yaml")) continue;
    try {
      out.models.push_back(read_file_store_model(dir.path()));
    } catch (const Error& e) {
      out.unreadable.emplace_back(dir.path().filename().string(), e.what());
    }
  }
  std::sort(out.models.begin(), out.models.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

ImportReport import_mlflow(Registry& registry, const MlflowRegistry& source, const WriteOptions& opts) {
  const Identity importer = registry.identity(opts);
  ImportReport report;
  report.models_refused = source.unreadable;
  // Check everything before writing anything: names, tags, stages, and moves a policy protects.
  // A model that fails is left out, with its reason, and the others are imported.
  std::set<std::string> refused;
  {
    const Snapshot s = registry.at();
    std::map<std::string, std::string> folded;  // lower-case name -> the name that has it
    for (const auto& name : s.model_names()) folded.emplace(fold_case(name), name);
    for (const auto& m : source.models) {
      try {
        check_model_name(m.name);
        auto [it, fresh] = folded.emplace(fold_case(m.name), m.name);
        if (!fresh && it->second != m.name)
          throw Error(ErrorCode::RESOURCE_ALREADY_EXISTS, "its name differs from '" + it->second +
                                                              "' only in case; names are unique ignoring case");
        for (const auto& [k, v] : m.tags) check_tag(k, v);
        for (const auto& [a, n] : m.aliases) check_alias_name(a);
        for (const auto& v : m.versions) {
          for (const auto& [k, val] : v.tags) check_tag(k, val);
          if (v.stage != "Deleted_Internal") {
            s.canonical_stage(v.stage);
            if (v.source.empty()) throw_invalid("version " + std::to_string(v.version) + " has no source");
            if (v.stage != s.config().initial_stage()) check_move_allowed(s, Move{m.name, v.version, v.stage, ""}, opts.trusted_root);
          }
        }
        for (const auto& [a, n] : m.aliases) check_move_allowed(s, Move{m.name, n, "", a}, opts.trusted_root);
      } catch (const Error& e) {
        report.models_refused.emplace_back(m.name, e.what());
        refused.insert(m.name);
      }
    }
  }
  // Models and versions in the order they were created, across models.
  struct Step {
    std::int64_t ms;
    const MlflowModel* model;
    const MlflowVersion* version;  // null: the model itself
  };
  std::vector<Step> steps;
  for (const auto& m : source.models) {
    if (refused.count(m.name)) continue;
    steps.push_back({m.created_ms, &m, nullptr});
    for (const auto& v : m.versions)
      if (v.stage != "Deleted_Internal") steps.push_back({std::max(v.created_ms, m.created_ms), &m, &v});
  }
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
    return a.ms != b.ms ? a.ms < b.ms : (a.model->name != b.model->name ? a.model->name < b.model->name : (a.version ? a.version->version : 0) < (b.version ? b.version->version : 0));
  });
  auto highest = [](const MlflowModel& m) {
    std::int64_t n = 0;
    for (const auto& v : m.versions) n = std::max(n, v.version);
    return n;
  };
  ProgressReport progress("Importing from MLflow", steps.size());
  for (const auto& step : steps) {
    progress.advance();
    const MlflowModel& m = *step.model;
    WriteOptions o = opts;
    if (!step.version) {
      if (registry.at().has_model(m.name)) {
        ++report.models_skipped;
        continue;
      }
      o.author = identity_of("", importer, m.created_ms);
      apply_operation(registry.impl(), o, [&](Transaction& txn) {
        RegisteredModel rm;
        rm.name = m.name;
        rm.description = m.description;
        rm.created_at = txn.now();
        rm.created_by = txn.author().display();
        rm.updated_at = txn.now();
        rm.tags = m.tags;
        txn.put(model_path(m.name), render_model(rm));
        PlannedCommit p;
        p.summary = "create model " + m.name + " (imported from MLflow)";
        p.trailers = {{"Mreg-Op", "create-model"}, {"Mreg-Model", m.name}, {"Mreg-Import", "mlflow"}};
        return p;
      });
      ++report.models_created;
      continue;
    }
    const MlflowVersion& v = *step.version;
    const Snapshot s = registry.at();
    bool exists = false;
    try {
      s.get_model_version(m.name, v.version);
      exists = true;
    } catch (const Error&) {
    }
    if (exists || s.get_registered_model(m.name).last_version >= v.version) {
      ++report.versions_skipped;
      continue;
    }
    o.author = identity_of(v.user_id, importer, v.created_ms);
    apply_operation(registry.impl(), o, [&](Transaction& txn) {
      const Snapshot& base = txn.base();
      RegisteredModel rm = base.get_registered_model(m.name);
      ModelVersion mv;
      mv.name = m.name;
      mv.version = v.version;
      mv.stage = base.canonical_stage(v.stage);
      mv.description = v.description;
      mv.source = v.source;
      mv.run_id = v.run_id;
      mv.run_link = v.run_link;
      // MLflow 3's open-source server keeps no model_id: a models:/m-<id> source names it.
      mv.model_id = v.model_id.empty() ? logged_model_id(v.source) : v.model_id;
      // MLflow copies source into storage_location when it has nothing better: only a difference is kept.
      if (v.storage_location != v.source) mv.storage_location = v.storage_location;
      mv.status = v.status;
      mv.status_message = v.status_message;
      mv.created_at = txn.now();
      mv.created_by = txn.author().display();
      mv.updated_at = v.updated_ms ? v.updated_ms : txn.now();
      mv.tags = v.tags;
      // Numbers of versions deleted in MLflow stay taken.
      std::int64_t last = v.version;
      bool later = false;
      for (const auto& other : m.versions) later = later || (other.version > v.version && other.stage != "Deleted_Internal");
      if (!later) last = std::max(last, highest(m));
      rm.last_version = std::max(rm.last_version, last);
      rm.updated_at = txn.now();
      txn.put(model_path(m.name), render_model(rm));
      txn.put(version_path(m.name, v.version), render_version(mv));
      PlannedCommit p;
      p.summary = "register " + m.name + " v" + std::to_string(v.version) + " (imported from MLflow)";
      p.trailers = {{"Mreg-Op", "register"}, {"Mreg-Model", m.name}, {"Mreg-Version", std::to_string(v.version)},
                    {"Mreg-Import", "mlflow"}};
      p.tags.emplace_back(model_tag_name(m.name) + "@v" + std::to_string(v.version), registration_tag_message(mv));
      return p;
    });
    ++report.versions_created;
  }
  // Aliases as they are now, and numbers of trailing deleted versions.
  for (const auto& m : source.models) {
    if (refused.count(m.name)) continue;
    const Snapshot s = registry.at();
    RegisteredModel rm = s.get_registered_model(m.name);
    bool changed = rm.last_version < highest(m);
    for (const auto& [a, n] : m.aliases) {
      auto it = rm.aliases.find(a);
      if (it != rm.aliases.end() && it->second == n) continue;
      try {
        s.get_model_version(m.name, n);
      } catch (const Error&) {
        continue;  // an alias of a deleted version: MLflow leaves it dangling, mreg drops it
      }
      changed = true;
    }
    if (!changed) continue;
    WriteOptions o = opts;
    o.author = identity_of("", importer, std::max(m.updated_ms, m.created_ms));
    apply_operation(registry.impl(), o, [&](Transaction& txn) {
      RegisteredModel cur = txn.base().get_registered_model(m.name);
      cur.last_version = std::max(cur.last_version, highest(m));
      std::size_t set = 0;
      for (const auto& [a, n] : m.aliases) {
        try {
          txn.base().get_model_version(m.name, n);
        } catch (const Error&) {
          continue;
        }
        if (cur.aliases.count(a) && cur.aliases[a] == n) continue;
        cur.aliases[a] = n;
        ++set;
      }
      report.aliases_set += set;
      cur.updated_at = txn.now();
      txn.put(model_path(m.name), render_model(cur));
      PlannedCommit p;
      p.summary = "aliases of " + m.name + " (imported from MLflow)";
      p.trailers = {{"Mreg-Op", "update-model"}, {"Mreg-Model", m.name}, {"Mreg-Import", "mlflow"}};
      return p;
    });
  }
  return report;
}

void export_mlflow_file_store(const Snapshot& snapshot, const std::string& dest) {
  const fs::path root = fs::path(dest) / "models";
  if (fs::exists(root) && !fs::is_empty(root))
    throw Error(ErrorCode::RESOURCE_ALREADY_EXISTS, root.string() + " is not empty: export into a new folder");
  // MLflow's file store keeps a model in models/<name>/ and refuses names with '/' or '%';
  // "." and ".." would name another folder. Checked before anything is written.
  std::string unfit;
  for (const auto& name : snapshot.model_names())
    if (name.find_first_of("/%") != std::string::npos || name == "." || name == "..")
      unfit += (unfit.empty() ? "'" : ", '") + name + "'";
  if (!unfit.empty())
    throw_invalid("MLflow's file store cannot hold the model names " + unfit +
                  " (no '/' or '%', not '.' or '..'): nothing written");
  for (const auto& name : snapshot.model_names()) {
    const RegisteredModel m = snapshot.get_registered_model(name);
    const fs::path dir = root / name;
    Json aliases = Json::object();
    for (const auto& [a, n] : m.aliases) aliases[a] = std::to_string(n);
    spill(dir / "meta.yaml", meta_yaml({{"aliases", aliases},
                                        {"creation_timestamp", m.created_at},
                                        {"description", or_null(m.description)},
                                        {"last_updated_timestamp", m.updated_at},
                                        {"name", m.name}}));
    for (const auto& [k, v] : m.tags) spill(dir / "tags" / k, v);
    for (const auto& [a, n] : m.aliases) spill(dir / "aliases" / a, std::to_string(n));
    for (const auto& v : snapshot.get_model_versions(name)) {
      Json valiases = Json::array();
      for (const auto& a : v.aliases) valiases.push_back(a);
      const fs::path vdir = dir / ("version-" + std::to_string(v.version));
      std::vector<std::pair<std::string, Json>> fields{{"aliases", valiases},
                                           {"creation_timestamp", v.created_at},
                                           {"current_stage", v.stage},
                                           {"description", or_null(v.description)},
                                           {"last_updated_timestamp", v.updated_at},
                                           {"name", v.name},
                                           {"run_id", or_null(v.run_id)},
                                           {"run_link", or_null(v.run_link)},
                                           {"source", v.source},
                                           {"status", v.status},
                                           {"status_message", or_null(v.status_message)},
                                           {"storage_location", v.files_location()},
                                           {"user_id", or_null(mlflow_user(v.created_by))},
                                           {"version", v.version}};
      // MLflow 3 reads model_id; MLflow 2 leaves out keys it does not know.
      if (!v.model_id.empty()) fields.emplace_back("model_id", v.model_id);
      spill(vdir / "meta.yaml", meta_yaml(fields));
      for (const auto& [k, val] : v.tags) spill(vdir / "tags" / k, val);
    }
  }
}

}  // namespace mreg
