#include "manifest.h"

#include "mreg/model_dir.h"
#include "mreg/names.h"
#include "mreg/policy.h"
#include "mreg/problem.h"
#include "mreg/sha256.h"
#include "mreg/timefmt.h"
#include "schema.h"
#include "yaml_doc.h"

namespace mreg {
namespace {

// The rules on tag keys and alias names that JSON Schema cannot state for
// object keys (valijson has no working propertyNames).
void check_keys(const YamlDocument& doc, const std::string& path, std::vector<Problem>& problems) {
  auto check_each = [&](const char* field, void (*rule)(const std::string&)) {
    auto it = doc.value.find(field);
    if (it == doc.value.end() || !it->is_object()) return;
    for (auto kv = it->begin(); kv != it->end(); ++kv) {
      try {
        rule(kv.key());
      } catch (const Error& e) {
        problems.push_back({path, doc.line_of(std::string("/") + field + "/" + pointer_escape(kv.key())), e.what()});
      }
    }
  };
  check_each("tags", check_tag_key);
  check_each("aliases", check_alias_name);
}

YamlDocument load(SchemaKind kind, const std::string& text, const std::string& path) {
  YamlDocument doc = parse_yaml(text, path);
  auto problems = validate(kind, doc, path);
  if (problems.empty()) check_keys(doc, path, problems);
  if (!problems.empty()) throw ManifestError(std::move(problems));
  return doc;
}

std::string str(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

TimestampMs time_field(const YamlDocument& doc, const char* key, const std::string& path) {
  std::string s = str(doc.value, key);
  auto t = parse_rfc3339_ms(s);
  if (!t) throw ManifestError({{path, doc.line_of(std::string("/") + key), std::string("field '") + key + "': not an RFC 3339 time"}});
  return *t;
}

TagMap string_map(const Json& obj, const char* key) {
  TagMap out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return out;
  for (auto kv = it->begin(); kv != it->end(); ++kv) out[kv.key()] = kv.value().get<std::string>();
  return out;
}

Extensions extensions_of(const Json& obj) {
  Extensions out;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (it.key().rfind("x-", 0) == 0) out.emplace_back(it.key(), it.value());
  return out;
}

void put_extensions(Json& obj, const Extensions& ext) {
  for (const auto& [k, v] : ext) obj[k] = v;
}
void write_extensions(YamlWriter& w, const Extensions& ext) {
  for (const auto& [k, v] : ext) w.value(k, v);
}

Json tags_json(const TagMap& tags) {
  Json obj = Json::object();
  for (const auto& [k, v] : tags) obj[k] = v;
  return obj;
}

// The value as the schema sees it, for validation before writing.
Json model_json(const RegisteredModel& m) {
  Json j = Json::object();
  j["name"] = m.name;
  if (!m.description.empty()) j["description"] = m.description;
  j["created_at"] = format_rfc3339_ms(m.created_at);
  j["created_by"] = m.created_by;
  j["updated_at"] = format_rfc3339_ms(m.updated_at);
  j["last_version"] = m.last_version;
  if (!m.aliases.empty()) {
    Json a = Json::object();
    for (const auto& [k, v] : m.aliases) a[k] = v;
    j["aliases"] = a;
  }
  if (!m.alias_requests.empty()) j["alias_requests"] = m.alias_requests;
  if (!m.tags.empty()) j["tags"] = tags_json(m.tags);
  put_extensions(j, m.extensions);
  return j;
}

Json version_json(const ModelVersion& v) {
  Json j = Json::object();
  j["name"] = v.name;
  j["version"] = v.version;
  j["stage"] = v.stage;
  if (!v.stage_request.empty()) j["stage_request"] = v.stage_request;
  if (!v.description.empty()) j["description"] = v.description;
  j["source"] = v.source;
  if (!v.run_id.empty()) j["run_id"] = v.run_id;
  if (!v.run_link.empty()) j["run_link"] = v.run_link;
  if (!v.experiment_id.empty()) j["experiment_id"] = v.experiment_id;
  if (!v.model_id.empty()) j["model_id"] = v.model_id;
  if (!v.storage_location.empty()) j["storage_location"] = v.storage_location;
  if (!v.digest.empty()) j["digest"] = v.digest;
  if (!v.flavors.empty()) j["flavors"] = v.flavors;
  if (v.signature.is_object()) j["signature"] = v.signature;
  if (!v.copied_from.empty())
    j["copied_from"] = Json{{"registry", v.copied_from.registry},
                            {"model", v.copied_from.model},
                            {"version", v.copied_from.version},
                            {"commit", v.copied_from.commit}};
  j["status"] = v.status;
  if (!v.status_message.empty()) j["status_message"] = v.status_message;
  j["created_at"] = format_rfc3339_ms(v.created_at);
  j["created_by"] = v.created_by;
  j["updated_at"] = format_rfc3339_ms(v.updated_at);
  if (!v.tags.empty()) j["tags"] = tags_json(v.tags);
  put_extensions(j, v.extensions);
  return j;
}

}  // namespace

std::string request_path(const std::string& name, const std::string& id) {
  return model_dir(name) + "/requests/" + id + ".yaml";
}

std::string version_identity_sha256(const ModelVersion& v) {
  std::string identity = v.name + "\n" + std::to_string(v.version) + "\n" + v.source + "\n" + v.digest + "\n" + v.run_id + "\n";
  // storage_location is where MLflow 3 and `mreg download` fetch the bytes from, so an approval
  // binds it too; appended only when set, so the identities of all other versions are unchanged.
  if (!v.storage_location.empty()) identity += "storage_location=" + v.storage_location + "\n";
  return sha256_hex(identity);
}

TransitionRequest parse_request(const std::string& text, const std::string& path) {
  YamlDocument doc = load(SchemaKind::Request, text, path);
  const Json& j = doc.value;
  TransitionRequest r;
  r.id = str(j, "id");
  r.model = str(j, "model");
  r.version = j["version"].get<std::int64_t>();
  r.from_stage = str(j, "from_stage");
  r.to_stage = str(j, "to_stage");
  r.alias = str(j, "alias");
  r.remove_alias = str(j, "remove_alias");
  r.delete_version = j.value("delete_version", false);
  r.archive_existing = j.value("archive_existing", false);
  r.version_sha256 = str(j, "version_sha256");
  r.requested_by = str(j, "requested_by");
  r.requested_at = time_field(doc, "requested_at", path);
  r.comment = str(j, "comment");
  r.extensions = extensions_of(j);
  return r;
}

std::string render_request(const TransitionRequest& r) {
  Json j = Json::object();
  j["id"] = r.id;
  j["model"] = r.model;
  j["version"] = r.version;
  j["from_stage"] = r.from_stage;
  if (!r.to_stage.empty()) j["to_stage"] = r.to_stage;
  if (!r.alias.empty()) j["alias"] = r.alias;
  if (!r.remove_alias.empty()) j["remove_alias"] = r.remove_alias;
  if (r.delete_version) j["delete_version"] = true;
  if (r.archive_existing) j["archive_existing"] = true;
  j["version_sha256"] = r.version_sha256;
  j["requested_by"] = r.requested_by;
  j["requested_at"] = format_rfc3339_ms(r.requested_at);
  if (!r.comment.empty()) j["comment"] = r.comment;
  put_extensions(j, r.extensions);
  const std::string path = request_path(r.model, r.id);
  validate_for_write(SchemaKind::Request, j, path);
  YamlWriter w;
  w.string("id", r.id);
  w.string("model", r.model);
  w.integer("version", r.version);
  w.string("from_stage", r.from_stage);
  if (!r.to_stage.empty()) w.string("to_stage", r.to_stage);
  if (!r.alias.empty()) w.string("alias", r.alias);
  if (!r.remove_alias.empty()) w.string("remove_alias", r.remove_alias);
  if (r.delete_version) w.value("delete_version", true);
  if (r.archive_existing) w.value("archive_existing", true);
  w.string("version_sha256", r.version_sha256);
  w.string("requested_by", r.requested_by);
  w.string("requested_at", format_rfc3339_ms(r.requested_at));
  if (!r.comment.empty()) w.string("comment", r.comment);
  write_extensions(w, r.extensions);
  return w.text();
}

std::string model_dir(const std::string& name) { return "models/" + model_folder_name(name); }
std::string model_path(const std::string& name) { return model_dir(name) + "/model.yaml"; }
std::string version_path(const std::string& name, std::int64_t version) {
  return model_dir(name) + "/versions/" + std::to_string(version) + ".yaml";
}

RegistryConfig parse_registry_config(const std::string& text, const std::string& path) {
  YamlDocument doc = load(SchemaKind::Registry, text, path);
  RegistryConfig c;
  c.format = doc.value["format"].get<int>();
  c.registry = doc.value["registry"].get<std::string>();
  c.stages = doc.value["stages"].get<std::vector<std::string>>();
  c.digest_algorithm = str(doc.value, "digest_algorithm");
  c.extensions = extensions_of(doc.value);
  return c;
}

RegisteredModel parse_model(const std::string& text, const std::string& path) {
  YamlDocument doc = load(SchemaKind::Model, text, path);
  const Json& j = doc.value;
  RegisteredModel m;
  m.name = str(j, "name");
  m.description = str(j, "description");
  m.created_at = time_field(doc, "created_at", path);
  m.created_by = str(j, "created_by");
  m.updated_at = time_field(doc, "updated_at", path);
  m.last_version = j["last_version"].get<std::int64_t>();
  if (auto it = j.find("aliases"); it != j.end() && it->is_object())
    for (auto kv = it->begin(); kv != it->end(); ++kv) m.aliases[kv.key()] = kv.value().get<std::int64_t>();
  m.alias_requests = string_map(j, "alias_requests");
  m.tags = string_map(j, "tags");
  m.extensions = extensions_of(j);
  return m;
}

ModelVersion parse_version(const std::string& text, const std::string& path) {
  YamlDocument doc = load(SchemaKind::Version, text, path);
  const Json& j = doc.value;
  ModelVersion v;
  v.name = str(j, "name");
  v.version = j["version"].get<std::int64_t>();
  v.stage = str(j, "stage");
  v.stage_request = str(j, "stage_request");
  v.description = str(j, "description");
  v.source = str(j, "source");
  v.run_id = str(j, "run_id");
  v.run_link = str(j, "run_link");
  v.experiment_id = str(j, "experiment_id");
  v.model_id = str(j, "model_id");
  v.storage_location = str(j, "storage_location");
  v.digest = str(j, "digest");
  if (auto it = j.find("flavors"); it != j.end()) v.flavors = it->get<std::vector<std::string>>();
  if (auto it = j.find("signature"); it != j.end()) v.signature = *it;
  if (auto it = j.find("copied_from"); it != j.end()) {
    v.copied_from.registry = str(*it, "registry");
    v.copied_from.model = str(*it, "model");
    v.copied_from.version = (*it)["version"].get<std::int64_t>();
    v.copied_from.commit = str(*it, "commit");
  }
  v.status = str(j, "status");
  v.status_message = str(j, "status_message");
  v.created_at = time_field(doc, "created_at", path);
  v.created_by = str(j, "created_by");
  v.updated_at = time_field(doc, "updated_at", path);
  v.tags = string_map(j, "tags");
  v.extensions = extensions_of(j);
  return v;
}

std::string render_registry_config(const RegistryConfig& c) {
  Json j = Json::object();
  j["format"] = c.format;
  j["registry"] = c.registry;
  j["stages"] = c.stages;
  if (!c.digest_algorithm.empty()) j["digest_algorithm"] = c.digest_algorithm;
  put_extensions(j, c.extensions);
  validate_for_write(SchemaKind::Registry, j, registry_config_path());
  YamlWriter w;
  w.integer("format", c.format);
  w.string("registry", c.registry);
  w.flow_list("stages", c.stages);
  if (!c.digest_algorithm.empty()) w.string("digest_algorithm", c.digest_algorithm);
  write_extensions(w, c.extensions);
  return w.text();
}

std::string render_model(const RegisteredModel& m) {
  validate_for_write(SchemaKind::Model, model_json(m), model_path(m.name));
  YamlWriter w;
  w.string("name", m.name);
  if (!m.description.empty()) w.string("description", m.description);
  w.string("created_at", format_rfc3339_ms(m.created_at));
  w.string("created_by", m.created_by);
  w.string("updated_at", format_rfc3339_ms(m.updated_at));
  w.integer("last_version", m.last_version);
  if (!m.aliases.empty()) {
    w.begin_map("aliases");
    for (const auto& [k, v] : m.aliases) w.integer(k, v);
    w.end_map();
  }
  w.string_map("alias_requests", m.alias_requests);
  w.string_map("tags", m.tags);
  write_extensions(w, m.extensions);
  return w.text();
}

std::string render_version(const ModelVersion& v) {
  validate_for_write(SchemaKind::Version, version_json(v), version_path(v.name, v.version));
  YamlWriter w;
  w.string("name", v.name);
  w.integer("version", v.version);
  w.string("stage", v.stage);
  if (!v.stage_request.empty()) w.string("stage_request", v.stage_request);
  if (!v.description.empty()) w.string("description", v.description);
  w.string("source", v.source);
  if (!v.run_id.empty()) w.string("run_id", v.run_id);
  if (!v.run_link.empty()) w.string("run_link", v.run_link);
  if (!v.experiment_id.empty()) w.string("experiment_id", v.experiment_id);
  if (!v.model_id.empty()) w.string("model_id", v.model_id);
  if (!v.storage_location.empty()) w.string("storage_location", v.storage_location);
  if (!v.digest.empty()) w.string("digest", v.digest);
  if (!v.flavors.empty()) w.flow_list("flavors", v.flavors);
  if (v.signature.is_object()) w.value("signature", v.signature);
  if (!v.copied_from.empty()) {
    w.begin_map("copied_from");
    w.string("registry", v.copied_from.registry);
    w.string("model", v.copied_from.model);
    w.integer("version", v.copied_from.version);
    w.string("commit", v.copied_from.commit);
    w.end_map();
  }
  w.string("status", v.status);
  if (!v.status_message.empty()) w.string("status_message", v.status_message);
  w.string("created_at", format_rfc3339_ms(v.created_at));
  w.string("created_by", v.created_by);
  w.string("updated_at", format_rfc3339_ms(v.updated_at));
  w.string_map("tags", v.tags);
  write_extensions(w, v.extensions);
  return w.text();
}

}  // namespace mreg

// ---- .mreg/policy/<N>.yaml -------------------------------------------------

namespace mreg {
namespace {

// "/rules/0/threshold" -> "rules.0.threshold", as people name a field.
std::string field_of_pointer(const std::string& pointer) {
  std::string f;
  for (char c : pointer.substr(1)) f += c == '/' ? '.' : c;
  return f;
}

std::vector<std::string> string_list(const Json& obj, const char* key) {
  std::vector<std::string> out;
  if (auto it = obj.find(key); it != obj.end() && it->is_array())
    for (const auto& x : *it) out.push_back(x.get<std::string>());
  return out;
}

SshPublicKey policy_key(const YamlDocument& doc, const std::string& pointer, const std::string& path) {
  try {
    return parse_public_key(doc.value.at(Json::json_pointer(pointer)).get<std::string>());
  } catch (const Error& e) {
    throw ManifestError({{path, doc.line_of(pointer), field_of_pointer(pointer) + ": " + e.what()}});
  }
}

std::optional<Timestamp> optional_time(const YamlDocument& doc, const std::string& pointer, const std::string& path) {
  const Json::json_pointer p(pointer);
  if (!doc.value.contains(p)) return std::nullopt;
  auto t = parse_rfc3339(doc.value.at(p).get<std::string>());
  if (!t) throw ManifestError({{path, doc.line_of(pointer), field_of_pointer(pointer) + ": not an RFC 3339 time"}});
  return t;
}

}  // namespace

Policy parse_policy(const std::string& text, const std::string& path) {
  YamlDocument doc = load(SchemaKind::Policy, text, path);
  const Json& j = doc.value;
  Policy p;
  p.path = path;
  p.sha256 = sha256_hex(text);
  p.registry = str(j, "registry");
  p.version = j["version"].get<std::int64_t>();
  p.previous_sha256 = str(j, "previous_sha256");
  p.admins = string_list(j["admins"], "principals");
  p.admin_threshold = j["admins"]["threshold"].get<std::int64_t>();
  for (auto kv = j["principals"].begin(); kv != j["principals"].end(); ++kv) {
    const std::string base = "/principals/" + pointer_escape(kv.key()) + "/keys/";
    std::vector<PolicyKey> keys;
    for (size_t i = 0; i < kv.value()["keys"].size(); ++i) {
      const std::string at = base + std::to_string(i);
      PolicyKey k;
      k.key = policy_key(doc, at + "/key", path);
      k.valid_after = optional_time(doc, at + "/valid_after", path);
      k.valid_before = optional_time(doc, at + "/valid_before", path);
      keys.push_back(std::move(k));
    }
    p.principals.emplace_back(kv.key(), std::move(keys));
  }
  if (auto it = j.find("revoked_keys"); it != j.end())
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string at = "/revoked_keys/" + std::to_string(i);
      RevokedKey r;
      r.key = policy_key(doc, at + "/key", path);
      r.revoked_at = optional_time(doc, at + "/revoked_at", path);
      r.reason = str((*it)[i], "reason");
      p.revoked_keys.push_back(std::move(r));
    }
  for (size_t i = 0; i < j["rules"].size(); ++i) {
    const Json& r = j["rules"][i];
    PolicyRule rule;
    rule.models = string_list(r, "models");
    rule.stages = string_list(r, "stages");
    rule.aliases = string_list(r, "aliases");
    rule.approvers = string_list(r, "approvers");
    rule.threshold = r["threshold"].get<std::int64_t>();
    rule.allow_self_approval = r.value("allow_self_approval", false);
    if (r.contains("approval_valid_for")) {
      rule.approval_valid_for_text = r["approval_valid_for"].get<std::string>();
      rule.approval_valid_for = *parse_duration(rule.approval_valid_for_text);
    }
    if (rule.stages.empty() && rule.aliases.empty())
      throw ManifestError({{path, doc.line_of("/rules/" + std::to_string(i)), "rules." + std::to_string(i) +
                                                                              ": a rule names stages, aliases or both"}});
    p.rules.push_back(std::move(rule));
  }
  // Every admin and approver needs keys, or nobody could ever sign as them.
  auto listed = [&](const std::string& who) {
    for (const auto& [name, keys] : p.principals)
      if (name == who) return !keys.empty();
    return false;
  };
  for (size_t i = 0; i < p.admins.size(); ++i)
    if (!listed(p.admins[i]))
      throw ManifestError({{path, doc.line_of("/admins/principals/" + std::to_string(i)),
                            "admins.principals." + std::to_string(i) + ": '" + p.admins[i] + "' has no keys under principals"}});
  if (p.admin_threshold > static_cast<std::int64_t>(p.admins.size()))
    throw ManifestError({{path, doc.line_of("/admins/threshold"), "admins.threshold: more than the number of admins"}});
  for (size_t i = 0; i < p.rules.size(); ++i) {
    for (size_t a = 0; a < p.rules[i].approvers.size(); ++a)
      if (!listed(p.rules[i].approvers[a]))
        throw ManifestError({{path, doc.line_of("/rules/" + std::to_string(i) + "/approvers/" + std::to_string(a)),
                              "rules." + std::to_string(i) + ".approvers." + std::to_string(a) + ": '" +
                                  p.rules[i].approvers[a] + "' has no keys under principals"}});
    if (p.rules[i].threshold > static_cast<std::int64_t>(p.rules[i].approvers.size()))
      throw ManifestError({{path, doc.line_of("/rules/" + std::to_string(i) + "/threshold"),
                            "rules." + std::to_string(i) + ".threshold: more than the number of approvers"}});
  }
  return p;
}

std::string render_policy(const Policy& p) {
  auto q = [](const std::string& s) { return yaml_scalar(s); };
  auto list = [&](const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + yaml_scalar(items[i], true);
    return out + "]";
  };
  std::string y;
  y += "registry: " + q(p.registry) + "\n";
  y += "version: " + std::to_string(p.version) + "\n";
  if (!p.previous_sha256.empty()) y += "previous_sha256: " + p.previous_sha256 + "\n";
  y += "admins:\n  principals: " + list(p.admins) + "\n  threshold: " + std::to_string(p.admin_threshold) + "\n";
  y += "principals:\n";
  for (const auto& [name, keys] : p.principals) {
    y += "  " + q(name) + ":\n    keys:\n";
    for (const auto& k : keys) {
      std::string line = k.key.to_line() + (k.key.comment.empty() ? "" : " " + k.key.comment);
      y += "      - key: " + q(line) + "\n";
      if (k.valid_after) y += "        valid_after: " + format_rfc3339(*k.valid_after) + "\n";
      if (k.valid_before) y += "        valid_before: " + format_rfc3339(*k.valid_before) + "\n";
    }
  }
  if (!p.revoked_keys.empty()) {
    y += "revoked_keys:\n";
    for (const auto& r : p.revoked_keys) {
      y += "  - key: " + q(r.key.to_line()) + "\n";
      if (r.revoked_at) y += "    revoked_at: " + format_rfc3339(*r.revoked_at) + "\n";
      if (!r.reason.empty()) y += "    reason: " + q(r.reason) + "\n";
    }
  }
  y += "rules:";
  y += p.rules.empty() ? " []\n" : "\n";
  for (const auto& r : p.rules) {
    y += "  - models: " + list(r.models) + "\n";
    if (!r.stages.empty()) y += "    stages: " + list(r.stages) + "\n";
    if (!r.aliases.empty()) y += "    aliases: " + list(r.aliases) + "\n";
    y += "    approvers: " + list(r.approvers) + "\n";
    y += "    threshold: " + std::to_string(r.threshold) + "\n";
    y += std::string("    allow_self_approval: ") + (r.allow_self_approval ? "true" : "false") + "\n";
    y += "    approval_valid_for: " + r.approval_valid_for_text + "\n";
  }
  parse_policy(y, p.path);  // what is written must read back: schema and cross-checks
  return y;
}

}  // namespace mreg
