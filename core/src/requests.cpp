// Requests to move a version into a protected stage or alias: added as files
// for review in a pull request, closed by the commits that act on them.
#include <algorithm>
#include <random>

#include "manifest.h"
#include "mreg/approval.h"
#include "mreg/sha256.h"
#include "mreg/verify.h"
#include "mreg/model_dir.h"
#include "mreg/history.h"
#include "mreg/names.h"
#include "mreg/policy.h"
#include "mreg/timefmt.h"
#include "registry_impl.h"

namespace mreg {
namespace {

std::string new_request_id(Timestamp t) {
  std::string stamp = format_rfc3339(t);  // 2026-11-24T10:02:11Z
  std::string compact;
  for (char c : stamp)
    if (c != '-' && c != ':') compact += c;
  std::mt19937 rng(std::random_device{}());
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rng() & 0xffff));
  return compact + "-" + suffix;
}

}  // namespace

TransitionRequest Registry::create_transition_request(const std::string& name, std::int64_t version,
                                                      const std::string& to_stage, const std::string& alias,
                                                      bool archive_existing, const std::string& comment,
                                                      const WriteOptions& opts) {
  RequestSpec spec;
  spec.to_stage = to_stage;
  spec.alias = alias;
  spec.archive_existing = archive_existing;
  spec.comment = comment;
  return create_request(name, version, spec, nullptr, false, opts);
}

TransitionRequest Registry::create_request(const std::string& name, std::int64_t version, const RequestSpec& spec,
                                           const Signer& sign, bool always_sign, const WriteOptions& opts) {
  const int kinds = !spec.to_stage.empty() + !spec.alias.empty() + !spec.remove_alias.empty() + spec.delete_version;
  if (kinds != 1) throw_invalid("give exactly one of --to STAGE, --alias ALIAS, --remove-alias ALIAS and --delete");
  if (!spec.alias.empty()) check_alias_name(spec.alias);
  if (!spec.remove_alias.empty()) check_alias_name(spec.remove_alias);
  if (spec.archive_existing && spec.to_stage.empty()) throw_invalid("--archive-existing goes with --to STAGE");
  TransitionRequest result;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    const ModelVersion v = s.get_model_version(name, version);
    TransitionRequest r;
    r.model = name;
    r.version = version;
    r.from_stage = v.stage;
    if (!spec.to_stage.empty()) {
      r.to_stage = s.canonical_stage(spec.to_stage);
      const auto& stages = s.config().stages;
      if (spec.archive_existing && (r.to_stage == stages.front() || r.to_stage == stages.back()))
        throw_invalid("--archive-existing: only into stages between " + stages.front() + " and " + stages.back());
      if (r.to_stage == v.stage && !spec.archive_existing)
        throw_invalid(name + " version " + std::to_string(version) + " is in " + v.stage + " already");
    }
    if (!spec.remove_alias.empty() &&
        std::find(v.aliases.begin(), v.aliases.end(), spec.remove_alias) == v.aliases.end())
      throw_invalid("--remove-alias: the alias " + spec.remove_alias + " does not point at " + name + " version " +
                    std::to_string(version));
    r.alias = spec.alias;
    r.remove_alias = spec.remove_alias;
    r.delete_version = spec.delete_version;
    r.archive_existing = spec.archive_existing;
    r.version_sha256 = version_identity_sha256(v);
    r.requested_by = txn.author().display();
    r.requested_at = txn.now();
    r.comment = spec.comment;
    r.id = new_request_id(seconds_of(txn.now()));
    const std::string text = render_request(r);
    txn.put(request_path(name, r.id), text);

    // The requester proves who asked by signing the request, where a rule needs to know.
    const PolicyChain chain = load_policy_chain(s, opts.trusted_root);
    const Policy* policy = chain.effective();
    std::vector<std::string> stages, aliases;
    request_scope(r, v.aliases, stages, aliases);
    bool required = false;
    if (policy)
      for (const auto& g : policy->rules_governing(name, stages, aliases))
        required = required || !g.rule->allow_self_approval;
    if (required && !sign)
      throw Error(ErrorCode::PERMISSION_DENIED,
                  "a rule of policy version " + std::to_string(policy->version) + " governs " + name + " v" +
                      std::to_string(version) + " -> " + r.target() +
                      " and forbids self-approval, so the request must be signed by its requester: pass -f KEY "
                      "(or set git's user.signingKey)");
    if (sign && (required || always_sign)) {
      const std::string signature = sign(text, request_namespace());
      const SignatureCheck check = verify_ssh_signature(signature, text, request_namespace());
      if (!check.good()) throw_invalid("the request's signature does not verify: " + check.message);
      const std::string who = txn.author().email;
      if (policy && !policy->key_of(who, check.key))
        throw Error(ErrorCode::PERMISSION_DENIED, "key " + check.key.fingerprint() + " is not a key of " + who +
                                                      " in policy version " + std::to_string(policy->version) +
                                                      ": requests are signed as git's user.email (--author changes it)");
      if (policy && policy->revoked(check.key))
        throw Error(ErrorCode::PERMISSION_DENIED, "key " + check.key.fingerprint() + " is revoked");
      txn.put(request_signature_path(name, r.id), signature);
    }
    result = r;
    PlannedCommit p;
    p.summary = "request " + name + " v" + std::to_string(version) + " -> " + r.target();
    p.trailers = {{"Mreg-Op", "request"},
                  {"Mreg-Model", name},
                  {"Mreg-Version", std::to_string(version)},
                  {"Mreg-Request", r.id},
                  {"Mreg-From", r.from_stage}};
    if (!r.to_stage.empty()) p.trailers.emplace_back("Mreg-To", r.to_stage);
    else if (!r.alias.empty()) p.trailers.emplace_back("Mreg-Alias", r.alias);
    else if (!r.remove_alias.empty()) p.trailers.emplace_back("Mreg-Remove-Alias", r.remove_alias);
    else p.trailers.emplace_back("Mreg-Delete", "true");
    p.body = spec.comment;
    return p;
  });
  return result;
}

void Registry::close_request(const std::string& name, const std::string& request_id, const std::string& outcome,
                             const std::string& comment, const Signer& sign, const WriteOptions& opts) {
  if (outcome != "reject" && outcome != "cancel") throw_invalid("unknown outcome '" + outcome + "'");
  // The request must be open in the branch being written.
  for (const auto& st : request_states(*this, "", name, opts.trusted_root)) {
    if (st.request.id != request_id) continue;
    if (st.outcome != "open")
      throw_invalid("request " + request_id + " is " + st.outcome + " already" +
                    (st.closed_commit.empty() ? "" : " (commit " + st.closed_commit.substr(0, 12) + ")"));
  }
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    const TransitionRequest r = s.get_request(name, request_id);
    const std::string who = txn.author().email;
    const PolicyChain chain = load_policy_chain(s, opts.trusted_root);
    const Policy* policy = chain.effective();
    const bool governed = policy && !governing_rules(s, *policy, r).empty();
    if (governed) {
      // A signed closing that verification will count, or nothing.
      if (!sign)
        throw Error(ErrorCode::PERMISSION_DENIED, "request " + request_id + " is governed by policy version " +
                                                      std::to_string(policy->version) +
                                                      ": its " + outcome + " must be signed (pass -f KEY)");
      ClosingPayload c;
      c.registry = s.config().registry;
      c.model = name;
      c.request_id = request_id;
      c.request_sha256 = sha256_hex(*s.read_file(request_path(name, request_id)));
      c.outcome = outcome;
      c.principal = who;
      c.issued_at = now_seconds();
      const std::string payload = render_closing(c);
      const std::string path = closing_path(name, request_id, who, outcome);
      if (s.read_file(path)) throw Error(ErrorCode::RESOURCE_ALREADY_EXISTS, path + " exists already");
      const std::string signature = sign(payload, closing_namespace());
      // Judged as verification will judge it, before anything is written.
      const ClosingVerdict v = verify_closing(s, *policy, r, path, payload, signature, c.issued_at);
      if (!v.ok()) throw Error(ErrorCode::PERMISSION_DENIED, "the " + outcome + " would not count: " + v.code + ": " + v.message);
      txn.put(path, payload);
      txn.put(path + ".sig", signature);
    } else if (outcome == "cancel" && email_of(r.requested_by) != who && !(policy && policy->is_admin(who))) {
      throw Error(ErrorCode::PERMISSION_DENIED, "only the requester (" + r.requested_by +
                                                    ") or an admin of the policy may cancel request " + request_id);
    }
    PlannedCommit p;
    p.summary = outcome + " request " + request_id + " (" + name + " v" + std::to_string(r.version) + " -> " + r.target() + ")";
    p.trailers = {{"Mreg-Op", outcome},
                  {"Mreg-Model", name},
                  {"Mreg-Version", std::to_string(r.version)},
                  {"Mreg-Request", request_id}};
    p.body = comment;
    p.allow_empty = true;
    return p;
  });
}

std::vector<TransitionRequest> Snapshot::get_requests(const std::string& name) const {
  get_registered_model(name);
  std::vector<TransitionRequest> out;
  const std::string dir = model_dir(name) + "/requests";
  for (const auto& path : list_files(dir)) {
    if (path.size() < 5 || path.compare(path.size() - 5, 5, ".yaml") != 0) continue;
    out.push_back(impl_->parsed_request(impl_->entry(path)->oid, path));
  }
  // Ids sort in time to the second, with a random part: the time to the millisecond comes first,
  // and the id (as list_files gave them) breaks ties.
  std::stable_sort(out.begin(), out.end(),
                   [](const TransitionRequest& a, const TransitionRequest& b) { return a.requested_at < b.requested_at; });
  return out;
}

TransitionRequest Snapshot::get_request(const std::string& name, const std::string& id) const {
  get_registered_model(name);
  const std::string path = request_path(name, id);
  auto e = impl_->entry(path);
  if (!e || e->type != git::ObjectType::Blob) throw_not_found("request " + id + " of model " + name + " not found");
  TransitionRequest r = impl_->parsed_request(e->oid, path);
  if (r.id != id || r.model != name)
    throw ManifestError({{path, 1, "fields 'id' and 'model' do not match the file's place"}});
  return r;
}

std::size_t Snapshot::count_approval_files(const std::string& name, const std::string& id) const {
  std::size_t n = 0;
  for (const auto& path : list_files(model_dir(name) + "/approvals/" + id))
    if (path.size() > 9 && path.compare(path.size() - 9, 9, ".approval") == 0) ++n;
  return n;
}

}  // namespace mreg
