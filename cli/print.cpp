#include "print.h"

namespace mreg::cli {
namespace {

std::string join_tags(const TagMap& tags) {
  std::string out;
  for (const auto& [k, v] : tags) out += (out.empty() ? "" : "\n") + k + "=" + v;
  return out;
}

std::string latest_cell(const std::vector<ModelVersion>& latest) {
  std::vector<std::string> parts;
  for (const auto& v : latest) parts.push_back(v.stage + ":v" + std::to_string(v.version));
  return join(parts, " ");
}

std::string alias_cell(const RegisteredModel& m) {
  std::vector<std::string> parts;
  for (const auto& [a, v] : m.aliases) parts.push_back(a + "=v" + std::to_string(v));
  return join(parts, " ");
}

}  // namespace

ModelListTable::ModelListTable() : table_({"NAME", "LATEST", "ALIASES", "UPDATED", "DESCRIPTION"}) {}

void ModelListTable::add(const ModelSummary& s) {
  if (!s.problems.empty()) {
    // What reads of a broken model, and where its first problem is.
    const Problem& p = s.problems.front();
    std::string note = "BROKEN: " + p.path + ":" + std::to_string(p.line > 0 ? p.line : 1);
    if (s.problems.size() > 1) note += " (and " + std::to_string(s.problems.size() - 1) + " more)";
    table_.add({s.model.name, latest_cell(s.latest_versions), alias_cell(s.model),
                s.model.updated_at ? format_time_ms(s.model.updated_at) : "", note});
    return;
  }
  table_.add({s.model.name, latest_cell(s.latest_versions), alias_cell(s.model), format_time_ms(s.model.updated_at),
              first_line(s.model.description)});
}

void warn_broken(const ModelSummary& s) {
  for (const auto& p : s.problems)
    std::cerr << "mreg: warning: model '" << s.model.name << "' is broken: " << p.to_string() << "\n";
}

void print_model(const ModelSummary& s, std::ostream& out) {
  const RegisteredModel& m = s.model;
  Fields f;
  f.add("name", m.name);
  if (!m.description.empty()) f.add("description", m.description);
  f.add("created", format_time_ms(m.created_at) + " by " + m.created_by);
  f.add("updated", format_time_ms(m.updated_at));
  f.add("last version", std::to_string(m.last_version));
  if (!s.latest_versions.empty()) f.add("latest", latest_cell(s.latest_versions));
  if (!m.aliases.empty()) f.add("aliases", alias_cell(m));
  if (!m.tags.empty()) f.add("tags", join_tags(m.tags));
  f.print(out);
}

void print_version_list(const std::vector<ModelVersion>& versions, std::ostream& out) {
  Table t({"VERSION", "STAGE", "ALIASES", "CREATED", "BY", "SOURCE"});
  for (auto it = versions.rbegin(); it != versions.rend(); ++it)
    t.add({std::to_string(it->version), it->stage, join(it->aliases), format_time_ms(it->created_at), it->created_by,
           it->source});
  t.print(out);
}

void print_version(const ModelVersion& v, std::ostream& out) {
  Fields f;
  f.add("name", v.name);
  f.add("version", std::to_string(v.version));
  f.add("stage", v.stage);
  if (!v.stage_request.empty()) f.add("stage request", v.stage_request);
  if (!v.aliases.empty()) f.add("aliases", join(v.aliases));
  if (!v.description.empty()) f.add("description", v.description);
  f.add("status", v.status + (v.status_message.empty() ? "" : " (" + v.status_message + ")"));
  f.add("registered", format_time_ms(v.created_at) + " by " + v.created_by);
  f.add("updated", format_time_ms(v.updated_at));
  f.add("source", v.source);
  if (!v.run_id.empty()) f.add("run id", v.run_id);
  if (!v.run_link.empty()) f.add("run link", v.run_link);
  if (!v.experiment_id.empty()) f.add("experiment id", v.experiment_id);
  if (!v.model_id.empty()) f.add("model id", v.model_id);
  if (!v.storage_location.empty()) f.add("storage location", v.storage_location);
  if (!v.digest.empty()) f.add("digest", v.digest);
  if (!v.flavors.empty()) f.add("flavors", join(v.flavors));
  if (!v.copied_from.empty()) f.add("copied from", v.copied_from.display());
  if (v.signature.is_object())
    for (auto it = v.signature.begin(); it != v.signature.end(); ++it)
      if (it.value().is_string()) f.add("signature " + it.key(), it.value().get<std::string>());
  if (!v.tags.empty()) f.add("tags", join_tags(v.tags));
  f.print(out);
}

void show_model(const ModelSummary& model, Format format) {
  if (format == Format::Table) print_model(model, std::cout);
  else print_structured(OrderedJson{{"registered_model", to_mlflow_json(model)}}, format);
}

void show_version(const ModelVersion& version, Format format) {
  if (format == Format::Table) print_version(version, std::cout);
  else print_structured(OrderedJson{{"model_version", to_mlflow_json(version)}}, format);
}

}  // namespace mreg::cli
