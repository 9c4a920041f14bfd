// Stages, aliases, comments and model URIs: the moves a deployment depends
// on. Every change of a stage or an alias passes the policy gate (policy_gate.h)
// unless an approved request makes it.
#include <algorithm>

#include "manifest.h"
#include "mreg/names.h"
#include "mreg/timefmt.h"
#include "policy_gate.h"
#include "mreg/history.h"
#include "registry_impl.h"

namespace mreg {
namespace {

std::string vname(const std::string& name, std::int64_t version) { return name + " v" + std::to_string(version); }

PlannedCommit plan_version_commit(const std::string& summary, const std::string& op, const std::string& model, std::int64_t version) {
  PlannedCommit p;
  p.summary = summary;
  p.trailers = {{"Mreg-Op", op}, {"Mreg-Model", model}, {"Mreg-Version", std::to_string(version)}};
  return p;
}

// The commit of a move into a stage; `request` is the approved request that
// justifies it (empty: a move no policy may protect, checked here).
PlannedCommit plan_transition(Transaction& txn, const std::string& name, std::int64_t version, const std::string& stage,
                              bool archive_existing, const std::string& comment, const std::string& request,
                              const std::string& trusted_root, ModelVersion& result) {
  const Snapshot& s = txn.base();
  const std::string to = s.canonical_stage(stage);
  const auto& stages = s.config().stages;
  if (archive_existing && (to == stages.front() || to == stages.back()))
    throw_invalid("--archive-existing: model version transition cannot archive existing model versions because '" +
                  to + "' is not an active stage (only stages between " + stages.front() + " and " +
                  stages.back() + ")");
  ModelVersion v = s.get_model_version(name, version);
  const std::string archive = stages.back();
  std::vector<ModelVersion> others;
  if (archive_existing)
    for (const auto& o : s.get_model_versions(name))
      if (o.stage == to && o.version != version) others.push_back(o);
  if (request.empty()) {
    // Made directly: neither the stage it enters, nor the one it leaves, nor the one
    // the others are archived out of may be protected.
    std::vector<StateChange> changes{{name, version, to, ""}, {name, version, v.stage, ""}};
    for (const auto& o : others) changes.push_back({name, o.version, o.stage, ""});
    check_changes_allowed(s, changes, "moving " + vname(name, version) + " from " + v.stage + " to " + to,
                          "mreg request " + name + " " + std::to_string(version) + " --to " + to +
                              (archive_existing ? " --archive-existing" : ""),
                          trusted_root);
  }
  result = v;
  if (v.stage == to && others.empty() && v.stage_request == request) return PlannedCommit{};  // already there

  const std::string from = v.stage;
  v.stage = to;
  v.stage_request = request;
  v.updated_at = txn.now();
  txn.put(version_path(name, version), render_version(v));
  result = v;
  PlannedCommit p = plan_version_commit("transition " + vname(name, version) + ": " + from + " -> " + to, "transition", name, version);
  p.trailers.emplace_back("Mreg-From", from);
  p.trailers.emplace_back("Mreg-To", to);
  if (!request.empty()) p.trailers.emplace_back("Mreg-Request", request);
  for (auto& o : others) {
    o.stage = archive;
    o.stage_request.clear();
    o.updated_at = txn.now();
    txn.put(version_path(name, o.version), render_version(o));
    p.trailers.emplace_back("Mreg-Archived", std::to_string(o.version));
  }
  p.body = comment;
  if (from != to) {
    p.stage_tag = PlannedCommit::StageTag{name, to, stage_tag_message(name, version, from, to, request, comment)};
  }
  return p;
}

PlannedCommit plan_set_alias(Transaction& txn, const std::string& name, const std::string& alias, std::int64_t version,
                             const std::string& request, const std::string& trusted_root, ModelVersion& result) {
  const Snapshot& s = txn.base();
  RegisteredModel m = s.get_registered_model(name);
  result = s.get_model_version(name, version);
  auto it = m.aliases.find(alias);
  const std::optional<std::int64_t> previous = it == m.aliases.end() ? std::nullopt : std::optional(it->second);
  if (request.empty()) check_move_allowed(s, Move{name, version, "", alias}, trusted_root);
  auto req = m.alias_requests.find(alias);
  const std::string previous_request = req == m.alias_requests.end() ? "" : req->second;
  if (previous == version && previous_request == request) return PlannedCommit{};  // already there: no commit
  m.aliases[alias] = version;
  if (request.empty()) m.alias_requests.erase(alias);
  else m.alias_requests[alias] = request;
  m.updated_at = txn.now();
  txn.put(model_path(name), render_model(m));
  if (std::find(result.aliases.begin(), result.aliases.end(), alias) == result.aliases.end())
    result.aliases.push_back(alias);
  PlannedCommit p = plan_version_commit("set alias " + name + "@" + alias + " -> v" + std::to_string(version), "set-alias", name, version);
  p.trailers.emplace_back("Mreg-Alias", alias);
  if (previous) p.trailers.emplace_back("Mreg-From", std::to_string(*previous));
  p.trailers.emplace_back("Mreg-To", std::to_string(version));
  if (!request.empty()) p.trailers.emplace_back("Mreg-Request", request);
  return p;
}

// The commit that takes an alias off; `request` is the approved request that
// justifies it (empty: a removal no policy may protect, checked here).
PlannedCommit plan_delete_alias(Transaction& txn, const std::string& name, const std::string& alias,
                                const std::string& request, const std::string& trusted_root) {
  RegisteredModel m = txn.base().get_registered_model(name);
  auto it = m.aliases.find(alias);
  if (it == m.aliases.end()) throw_not_found("Registered model alias " + alias + " not found.");
  const std::int64_t version = it->second;
  if (request.empty())
    check_changes_allowed(txn.base(), {StateChange{name, version, "", alias}},
                          "removing the alias " + name + "@" + alias,
                          "mreg request " + name + " " + std::to_string(version) + " --remove-alias " + alias,
                          trusted_root);
  m.aliases.erase(it);
  m.alias_requests.erase(alias);
  m.updated_at = txn.now();
  txn.put(model_path(name), render_model(m));
  PlannedCommit p = plan_version_commit("delete alias " + name + "@" + alias + " (was v" + std::to_string(version) + ")",
                         "delete-alias", name, version);
  p.trailers.emplace_back("Mreg-Alias", alias);
  p.trailers.emplace_back("Mreg-From", std::to_string(version));
  if (!request.empty()) p.trailers.emplace_back("Mreg-Request", request);
  return p;
}

}  // namespace

ModelVersion Registry::transition_stage(const std::string& name, std::int64_t version, const std::string& stage,
                                        bool archive_existing, const std::string& comment,
                                        const WriteOptions& opts) {
  ModelVersion result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    return plan_transition(txn, name, version, stage, archive_existing, comment, "", opts.trusted_root, result);
  });
  return result;
}

ModelVersion Registry::set_alias(const std::string& name, const std::string& alias, std::int64_t version,
                                 const WriteOptions& opts) {
  check_alias_name(alias);
  ModelVersion result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    return plan_set_alias(txn, name, alias, version, "", opts.trusted_root, result);
  });
  return result;
}

ModelVersion Registry::apply_request(const std::string& name, const std::string& request_id, const std::string& comment,
                                     const WriteOptions& opts) {
  // A request acts once: not after it was applied, rejected or cancelled.
  for (const auto& st : request_states(*this, "", name, opts.trusted_root))
    if (st.request.id == request_id && st.outcome != "open")
      throw Error(ErrorCode::INVALID_STATE, "request " + request_id + " is " + st.outcome + " already (commit " +
                                                st.closed_commit.substr(0, 12) + "); it cannot be used again");
  ModelVersion result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    const TransitionRequest r = s.get_request(name, request_id);
    const ModelVersion v = s.get_model_version(name, r.version);
    if (v.stage != r.from_stage)
      throw Error(ErrorCode::INVALID_STATE, "request " + request_id + " moves " + vname(name, r.version) + " from " +
                                                r.from_stage + ", but it is in " + v.stage +
                                                " now; request the move again");
    if (!r.remove_alias.empty()) {
      const auto aliases = s.get_registered_model(name).aliases;
      auto it = aliases.find(r.remove_alias);
      if (it == aliases.end() || it->second != r.version)
        throw Error(ErrorCode::INVALID_STATE, "request " + request_id + " removes the alias " + r.remove_alias +
                                                  " from " + vname(name, r.version) +
                                                  ", but it does not point there now; request it again");
    }
    // Judged by this machine's clock, never by the commit date (GIT_AUTHOR_DATE) the caller chose.
    check_request_approved(s, name, request_id, now_seconds(), opts.trusted_root);
    if (!r.to_stage.empty())
      return plan_transition(txn, name, r.version, r.to_stage, r.archive_existing, comment, request_id,
                             opts.trusted_root, result);
    if (!r.alias.empty()) return plan_set_alias(txn, name, r.alias, r.version, request_id, opts.trusted_root, result);
    result = v;
    PlannedCommit p = !r.remove_alias.empty() ? plan_delete_alias(txn, name, r.remove_alias, request_id, opts.trusted_root)
                                              : plan_delete_version(txn, name, r.version, request_id, opts.trusted_root);
    p.body = comment;
    return p;
  });
  return result;
}

void Registry::delete_alias(const std::string& name, const std::string& alias, const WriteOptions& opts) {
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    return plan_delete_alias(txn, name, alias, "", opts.trusted_root);
  });
}

void Registry::comment(const std::string& name, std::int64_t version, const std::string& text,
                       const WriteOptions& opts) {
  if (text.find_first_not_of(" \t\n") == std::string::npos) throw_invalid("TEXT: a comment must not be empty");
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    txn.base().get_model_version(name, version);
    PlannedCommit p = plan_version_commit("comment on " + vname(name, version), "comment", name, version);
    p.body = text;
    p.allow_empty = true;
    return p;
  });
}

ModelVersion Snapshot::get_model_version_by_alias(const std::string& name, const std::string& alias) const {
  RegisteredModel m = get_registered_model(name);
  auto it = m.aliases.find(alias);
  if (it == m.aliases.end()) throw_invalid("Registered model alias " + alias + " not found.");
  return get_model_version(name, it->second);
}

ModelUri parse_model_uri(const std::string& uri) {
  const std::string prefix = "models:/";
  auto bad = [&](const std::string& why) -> ModelUri {
    throw_invalid("Not a proper models:/ URI: '" + uri + "' (" + why +
                  "). Use models:/NAME/VERSION, models:/NAME/STAGE, models:/NAME/latest or models:/NAME@ALIAS");
  };
  if (uri.compare(0, prefix.size(), prefix) != 0) return bad("it must start with models:/");
  // As a URL: models:///m/1 has an empty host and is fine; models://m/1 names a host.
  std::string path = uri.substr(prefix.size() - 1);
  if (path.rfind("//", 0) == 0) {
    path.erase(0, 2);
    if (path.empty() || path.front() != '/') return bad("a models URI has no host part");
  }
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (path.empty()) return bad("no model name");
  ModelUri out;
  const auto slash = path.find('/');
  if (slash == std::string::npos) {
    // The last '@', as MLflow splits it: a model name may hold '@', an alias may not.
    const auto at = path.rfind('@');
    if (at == std::string::npos) return bad("no version, stage or alias");
    out.name = path.substr(0, at);
    out.alias = path.substr(at + 1);
    if (out.name.empty() || out.alias.empty()) return bad("empty model name or alias");
    check_alias_name(out.alias);
    return out;
  }
  out.name = path.substr(0, slash);
  const std::string suffix = path.substr(slash + 1);
  if (out.name.empty() || suffix.empty() || suffix.find('/') != std::string::npos) return bad("expected NAME/SUFFIX");
  if (std::all_of(suffix.begin(), suffix.end(), [](unsigned char c) { return c >= '0' && c <= '9'; }))
    out.version = parse_version_number(suffix);
  else if (fold_case(suffix) == "latest") out.latest = true;
  else out.stage = suffix;
  return out;
}

ModelVersion Snapshot::resolve_model_uri(const std::string& uri) const {
  const ModelUri u = parse_model_uri(uri);
  if (!u.alias.empty()) return get_model_version_by_alias(u.name, u.alias);
  if (u.version) return get_model_version(u.name, u.version);
  if (u.latest) {
    auto versions = get_model_versions(u.name);
    if (versions.empty()) throw_not_found("No versions of model with name '" + u.name + "' found");
    return versions.back();
  }
  const std::string stage = canonical_stage(u.stage);
  auto latest = get_latest_versions(u.name, {stage});
  if (latest.empty())
    throw_not_found("No versions of model with name '" + u.name + "' and stage '" + stage + "' found");
  return latest.front();
}

}  // namespace mreg
