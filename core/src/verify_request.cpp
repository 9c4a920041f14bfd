// The verdict on one request: which of its approvals count, and why the others do not.
#include <map>
#include <set>

#include "manifest.h"
#include "mreg/approval.h"
#include "mreg/model_dir.h"
#include "mreg/names.h"
#include "mreg/timefmt.h"
#include "mreg/verify.h"

namespace mreg {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const char* signature_code(SignatureStatus status) {
  switch (status) {
    case SignatureStatus::Good: return "OK";
    case SignatureStatus::Bad: return "E_BAD_SIGNATURE";
    case SignatureStatus::Malformed: return "E_MALFORMED_SIGNATURE";
    case SignatureStatus::WrongNamespace: return "E_BAD_NAMESPACE";
    case SignatureStatus::WeakAlgorithm: return "E_WEAK_ALGORITHM";
    case SignatureStatus::UnsupportedAlgorithm: return "E_UNSUPPORTED_KEY_TYPE";
  }
  return "E_BAD_SIGNATURE";
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

struct Context {
  const Snapshot& tree;
  const Policy& policy;
  const TransitionRequest& request;
  const std::string& request_sha256;
  const std::optional<ModelVersion>& version;
  const PolicyRule* rule;
  std::string rule_name;
  Timestamp at;
};

// One reviewer's approval: the payload must be signed by a key the policy
// lists for the principal it names, bind exactly this request and version,
// and be within its own and its key's validity at the reference time.
ApprovalVerdict check_approval(const Context& c, const std::string& principal, const std::string& path,
                               const std::optional<std::string>& payload, const std::optional<std::string>& signature) {
  ApprovalVerdict v;
  v.path = path;
  v.principal = principal;
  auto fail = [&](const std::string& code, const std::string& message) {
    v.code = code;
    v.message = message;
    return v;
  };
  if (!payload) return fail("E_MALFORMED_PAYLOAD", path + ".sig has no " + path + " beside it");
  if (!signature) return fail("E_UNSIGNED", path + " has no signature (" + path + ".sig is missing)");
  const SignatureCheck sig = verify_ssh_signature(*signature, *payload, approval_namespace());
  if (!sig.key.blob.empty()) v.key = sig.key.fingerprint();
  if (!sig.good()) return fail(signature_code(sig.status), path + ".sig: " + sig.message);
  if (const RevokedKey* r = c.policy.revoked(sig.key))
    return fail("E_KEY_REVOKED", "key " + v.key + " is revoked in policy version " + std::to_string(c.policy.version) +
                                     (r->reason.empty() ? "" : " (" + r->reason + ")"));
  const auto owners = c.policy.owners_of(sig.key);
  if (owners.empty())
    return fail("E_UNKNOWN_KEY", "valid signature by key " + v.key + " not in policy version " +
                                     std::to_string(c.policy.version));
  ApprovalPayload a;
  try {
    a = parse_approval(*payload);
  } catch (const Error& e) {
    return fail("E_MALFORMED_PAYLOAD", path + ": " + e.what());
  }
  if (a.approver != principal)
    return fail("E_PRINCIPAL_MISMATCH", path + " is named for " + principal + " but its payload says approver " + a.approver);
  if (std::find(owners.begin(), owners.end(), principal) == owners.end())
    return fail("E_PRINCIPAL_MISMATCH", path + " says approver " + principal + " but is signed by " + join(owners, ", ") +
                                            "'s key " + v.key);

  const TransitionRequest& r = c.request;
  std::vector<std::string> diffs;
  auto differ = [&](const char* field, const std::string& approved, const std::string& actual) {
    if (approved != actual) diffs.push_back(std::string(field) + " " + approved + " != " + actual);
  };
  differ("registry", a.registry, c.tree.config().registry);
  differ("model", a.model, r.model);
  differ("version", std::to_string(a.version), std::to_string(r.version));
  differ("from_stage", a.from_stage, r.from_stage);
  differ("to_stage", a.to_stage, r.to_stage);
  differ("alias", a.alias, r.alias);
  differ("request_id", a.request_id, r.id);
  differ("request_sha256", a.request_sha256, c.request_sha256);
  if (a.policy_version > c.policy.version)
    diffs.push_back("policy_version " + std::to_string(a.policy_version) + " > " + std::to_string(c.policy.version));
  if (!diffs.empty()) return fail("E_PAYLOAD_MISMATCH", path + " approves something else: " + join(diffs, ", "));
  if (c.version && a.version_sha256 != version_identity_sha256(*c.version))
    return fail("E_DIGEST_MISMATCH", path + ": version_sha256 approved " + a.version_sha256 + ", the tree has " +
                                         version_identity_sha256(*c.version) + " (the version changed after approval)");

  if (c.rule) {
    if (std::find(c.rule->approvers.begin(), c.rule->approvers.end(), principal) == c.rule->approvers.end())
      return fail("E_NOT_AUTHORIZED", principal + " lacks approver role for " + r.model + "/" + r.target() + " (" +
                                          c.rule_name + ")");
    if (!c.rule->allow_self_approval && email_of(r.requested_by) == principal)
      return fail("E_SELF_APPROVAL", principal + " requested " + r.id + " and may not approve it (" + c.rule_name + ")");
  }
  const PolicyKey* key = c.policy.key_of(principal, sig.key);
  const std::string ref = format_rfc3339(c.at);
  if (key->valid_after && c.at < *key->valid_after)
    return fail("E_KEY_NOT_YET_VALID", "key " + v.key + " for " + principal + " valid from " +
                                           format_rfc3339(*key->valid_after) + ", reference time " + ref);
  if (key->valid_before && c.at >= *key->valid_before)
    return fail("E_KEY_EXPIRED", "key " + v.key + " for " + principal + " valid until " +
                                     format_rfc3339(*key->valid_before) + ", reference time " + ref);
  if (c.at >= a.expires_at)
    return fail("E_APPROVAL_EXPIRED", path + " expired at " + format_rfc3339(a.expires_at) + ", reference time " + ref);
  if (a.issued_at > c.at + 300)
    return fail("E_APPROVAL_NOT_YET_VALID", path + " is issued at " + format_rfc3339(a.issued_at) +
                                                ", after the reference time " + ref);
  if (c.rule && a.expires_at - a.issued_at > c.rule->approval_valid_for)
    return fail("E_APPROVAL_TOO_LONG", path + " is valid for longer than the " + c.rule->approval_valid_for_text +
                                           " that " + c.rule_name + " allows");
  v.code = "OK";
  v.message = "good signature by " + principal + " with key " + v.key;
  return v;
}

}  // namespace

RequestVerdict verify_request(const Snapshot& tree, const Policy& policy, const std::string& model,
                              const std::string& request_id, Timestamp at) {
  RequestVerdict v;
  v.path = request_path(model, request_id);
  auto problem = [&](const std::string& code, const std::string& path, const std::string& message) {
    v.problems.push_back({code, path, "", "", message});
  };
  const auto bytes = tree.read_file(v.path);
  if (!bytes) {
    problem("E_REQUEST_MISSING", v.path, v.path + " does not exist");
    return v;
  }
  try {
    v.request = parse_request(*bytes, v.path);
  } catch (const Error& e) {
    problem("E_MALFORMED_REQUEST", v.path, e.what());
    return v;
  }
  const TransitionRequest& r = v.request;
  if (r.id != request_id || r.model != model) {
    problem("E_MALFORMED_REQUEST", v.path, v.path + ": fields 'id' and 'model' do not match the file's place");
    return v;
  }
  std::size_t index = 0;
  const PolicyRule* rule = policy.rule_for(model, r.to_stage, r.alias, &index);
  v.is_protected = rule != nullptr;
  const std::string rule_name = "policy version " + std::to_string(policy.version) + ", rule " + std::to_string(index + 1);
  if (rule) {
    v.rule = rule_name;
    v.needed = rule->threshold;
  }
  std::optional<ModelVersion> version;
  try {
    version = tree.get_model_version(model, r.version);
  } catch (const Error&) {
    problem("E_VERSION_MISSING", version_path(model, r.version), model + " version " + std::to_string(r.version) + " does not exist");
  }
  if (version && version_identity_sha256(*version) != r.version_sha256)
    problem("E_DIGEST_MISMATCH", version_path(model, r.version),
            "request " + r.id + " binds version_sha256 " + r.version_sha256 + ", the tree has " +
                version_identity_sha256(*version) + " (the version changed after the request)");

  // principal -> (.approval, .approval.sig)
  std::map<std::string, std::pair<std::optional<std::string>, std::optional<std::string>>> files;
  const std::string dir = model_dir(model) + "/approvals/" + request_id + "/";
  for (const auto& path : tree.list_files(dir.substr(0, dir.size() - 1))) {
    const std::string name = path.substr(dir.size());
    if (name.find('/') != std::string::npos) continue;
    if (ends_with(name, ".approval.sig")) files[name.substr(0, name.size() - 13)].second = tree.read_file(path);
    else if (ends_with(name, ".approval")) files[name.substr(0, name.size() - 9)].first = tree.read_file(path);
  }
  const std::string request_sha256 = sha256_hex(*bytes);
  const Context c{tree, policy, r, request_sha256, version, rule, rule_name, at};
  std::set<std::string> counted;
  for (const auto& [principal, pair] : files) {
    ApprovalVerdict a = check_approval(c, principal, dir + principal + ".approval", pair.first, pair.second);
    if (a.ok() && !counted.insert(principal).second) {
      a.code = "E_DUPLICATE_APPROVER";
      a.message = principal + " is counted once";
    }
    v.approvals.push_back(std::move(a));
  }
  v.approved = static_cast<std::int64_t>(counted.size());
  v.approvers.assign(counted.begin(), counted.end());
  if (rule && v.approved < rule->threshold) {
    std::string message = std::to_string(v.approved) + "/" + std::to_string(rule->threshold) + " distinct approvers";
    if (!counted.empty()) message += " (" + join(v.approvers, ", ") + ")";
    message += " for " + model + " v" + std::to_string(r.version) + " -> " + r.target() + " (" + rule_name + ")";
    problem("E_THRESHOLD_NOT_MET", dir.substr(0, dir.size() - 1), message);
  }
  return v;
}

}  // namespace mreg
