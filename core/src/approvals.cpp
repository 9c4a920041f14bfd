// Writes of the approval flow: policy versions and their signatures, and
// reviewers' approvals. Each is checked before it is written, so that a typo
// is caught here rather than by `mreg verify` in CI.
#include "manifest.h"
#include "mreg/approval.h"
#include "mreg/model_dir.h"
#include "mreg/names.h"
#include "mreg/policy.h"
#include "mreg/problem.h"
#include "mreg/sha256.h"
#include "mreg/verify.h"
#include "registry_impl.h"

namespace mreg {
namespace {

const char* kAllowedSigners = ".mreg/allowed_signers";

PlannedCommit policy_commit(const std::string& summary, std::int64_t version) {
  PlannedCommit p;
  p.summary = summary;
  p.trailers = {{"Mreg-Op", "policy"}, {"Mreg-Policy-Version", std::to_string(version)}};
  return p;
}

void check_principal_name(const std::string& principal) {
  if (principal.empty() || principal.find_first_of("/\\ \t\n\r\"',*?!") != std::string::npos || principal[0] == '.')
    throw_invalid("'" + principal + "' cannot name a principal (an email address, without spaces, slashes or quotes)");
}

// The newest policy version present, with its number (0 when none).
std::int64_t newest_policy(const Snapshot& s) { return load_policy_chain(s, "").newest_present; }

}  // namespace

ApprovalPayload prepare_approval(const Snapshot& tree, const std::string& model, const std::string& request_id,
                                 const std::string& approver, Timestamp now, const std::string& trusted_root,
                                 std::int64_t valid_for) {
  check_principal_name(approver);
  const TransitionRequest r = tree.get_request(model, request_id);
  const ModelVersion v = tree.get_model_version(model, r.version);
  const PolicyChain chain = load_policy_chain(tree, trusted_root);
  if (!chain.problems.empty())
    throw Error(ErrorCode::PERMISSION_DENIED, "the policy chain does not verify: " + chain.problems.front().message);
  const Policy* policy = chain.effective();
  if (!policy) throw Error(ErrorCode::INVALID_STATE, "the registry has no policy, so nothing needs approval");
  const std::vector<GoverningRule> rules = governing_rules(tree, *policy, r);
  if (rules.empty())
    throw Error(ErrorCode::INVALID_STATE, "no rule of policy version " + std::to_string(policy->version) + " protects " +
                                              model + " -> " + r.target() + ": it needs no approval");
  // The approval must be short enough for every rule it may count for.
  const PolicyRule* shortest = rules.front().rule;
  for (const auto& g : rules)
    if (g.rule->approval_valid_for < shortest->approval_valid_for) shortest = g.rule;
  if (valid_for < 0 || valid_for > shortest->approval_valid_for)
    throw_invalid("--valid-for: at most " + shortest->approval_valid_for_text + " under policy version " +
                  std::to_string(policy->version));
  ApprovalPayload a;
  a.registry = tree.config().registry;
  a.model = model;
  a.version = r.version;
  a.from_stage = r.from_stage;
  a.to_stage = r.to_stage;
  a.alias = r.alias;
  a.remove_alias = r.remove_alias;
  a.delete_version = r.delete_version;
  a.version_sha256 = version_identity_sha256(v);
  a.request_id = r.id;
  a.request_sha256 = sha256_hex(*tree.read_file(request_path(model, r.id)));
  a.policy_version = policy->version;
  a.approver = approver;
  a.issued_at = now;
  a.expires_at = now + (valid_for ? valid_for : shortest->approval_valid_for);
  return a;
}

void Registry::init_policy(const std::string& policy_text, const WriteOptions& opts) {
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    if (newest_policy(s) > 0)
      throw Error(ErrorCode::RESOURCE_ALREADY_EXISTS,
                  "the registry has a policy already; change it with 'mreg policy edit' and 'mreg policy sign'");
    Policy p = parse_policy(policy_text, policy_path(1));
    if (p.version != 1) throw_invalid(policy_path(1) + ": field 'version' must be 1");
    if (p.registry != s.config().registry)
      throw_invalid(policy_path(1) + ": field 'registry' must be '" + s.config().registry + "' (mreg.yaml)");
    txn.put(policy_path(1), policy_text);
    txn.put(kAllowedSigners, allowed_signers_text(p));
    return policy_commit("policy version 1 (sha256:" + p.sha256 + ")", 1);
  });
}

std::int64_t Registry::propose_policy(const std::string& policy_text, const WriteOptions& opts) {
  std::int64_t result = 0;
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    const std::int64_t n = newest_policy(s);
    if (n == 0) throw Error(ErrorCode::RESOURCE_DOES_NOT_EXIST, "the registry has no policy yet: run 'mreg policy init'");
    const std::string previous = *s.read_file(policy_path(n));
    // What the editor gave, with the fields that make it the next link.
    Policy p = parse_policy(policy_text, policy_path(n + 1) + " (as edited)");
    p.registry = s.config().registry;
    p.version = n + 1;
    p.previous_sha256 = sha256_hex(previous);
    p.path = policy_path(n + 1);
    const std::string text = render_policy(p);
    Policy unchanged = parse_policy(previous, policy_path(n));
    unchanged.version = p.version;
    unchanged.previous_sha256 = p.previous_sha256;
    unchanged.path = p.path;
    if (render_policy(unchanged) == text)
      throw_invalid("the edited policy says the same as version " + std::to_string(n) + ": nothing to propose");
    txn.put(policy_path(n + 1), text);
    result = n + 1;
    return policy_commit("propose policy version " + std::to_string(n + 1), n + 1);
  });
  return result;
}

void Registry::add_policy_signature(std::int64_t version, const std::string& principal, const std::string& signature,
                                    const WriteOptions& opts) {
  check_principal_name(principal);
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    const auto text = s.read_file(policy_path(version));
    if (!text) throw_not_found("policy version " + std::to_string(version) + " does not exist");
    const std::string path = policy_signature_path(version, principal);
    if (s.read_file(path)) throw Error(ErrorCode::RESOURCE_ALREADY_EXISTS, path + " exists already: signatures are never replaced");
    // The signer must be an admin of the version before (of version 1 itself for version 1).
    const std::int64_t signing_version = version == 1 ? 1 : version - 1;
    const Policy admins = parse_policy(*s.read_file(policy_path(signing_version)), policy_path(signing_version));
    if (!admins.is_admin(principal))
      throw Error(ErrorCode::PERMISSION_DENIED, principal + " is not an admin of policy version " +
                                                    std::to_string(signing_version) + ", so cannot sign version " +
                                                    std::to_string(version));
    const SignatureCheck check = verify_ssh_signature(signature, *text, policy_namespace());
    if (!check.good()) throw_invalid("the signature does not verify: " + check.message);
    if (!admins.key_of(principal, check.key) || admins.revoked(check.key))
      throw Error(ErrorCode::PERMISSION_DENIED, "key " + check.key.fingerprint() + " is not a key of " + principal +
                                                    " in policy version " + std::to_string(signing_version));
    txn.put(path, signature);
    // Once the newest version is trusted, allowed_signers follows it.
    const PolicyChain before = load_policy_chain(s, "");
    PlannedCommit p = policy_commit("sign policy version " + std::to_string(version) + " (" + principal + ")", version);
    p.trailers.emplace_back("Mreg-Signer", principal);
    if (version > 1 && before.trusted.size() == static_cast<std::size_t>(version - 1) &&
        before.newest_present == version) {
      // Count the signatures with this one added.
      std::int64_t good = 1;
      for (const auto& sig_path : s.list_files(policy_path(version) + ".sigs")) {
        const std::string who = sig_path.substr(sig_path.rfind('/') + 1, sig_path.size() - sig_path.rfind('/') - 5);
        if (who == principal || !admins.is_admin(who)) continue;
        const SignatureCheck c = verify_ssh_signature(*s.read_file(sig_path), *text, policy_namespace());
        if (c.good() && admins.key_of(who, c.key) && !admins.revoked(c.key)) ++good;
      }
      if (good >= admins.admin_threshold)
        txn.put(kAllowedSigners, allowed_signers_text(parse_policy(*text, policy_path(version))));
    }
    return p;
  });
}

void Registry::add_approval(const std::string& name, const std::string& request_id, const std::string& principal,
                            const std::string& payload, const std::string& signature, const std::string& comment,
                            const WriteOptions& opts) {
  check_principal_name(principal);
  ApprovalPayload a = parse_approval(payload);
  if (a.approver != principal) throw_invalid("the approval is by " + a.approver + ", not " + principal);
  if (a.model != name || a.request_id != request_id)
    throw_invalid("the approval is for " + a.model + " request " + a.request_id + ", not " + name + " request " + request_id);
  const SignatureCheck check = verify_ssh_signature(signature, payload, approval_namespace());
  if (!check.good()) throw_invalid("the signature does not verify: " + check.message);
  apply_operation(*impl_, opts, [&](Transaction& txn) {
    const Snapshot& s = txn.base();
    const TransitionRequest r = s.get_request(name, request_id);
    const std::string path = approval_path(name, request_id, principal);
    if (s.read_file(path))
      throw Error(ErrorCode::RESOURCE_ALREADY_EXISTS,
                  path + " exists already: " + principal + " has approved request " + request_id);
    txn.put(path, payload);
    txn.put(path + ".sig", signature);
    PlannedCommit p;
    p.summary = "approve request " + request_id + " (" + name + " v" + std::to_string(r.version) + " -> " + r.target() +
                ") as " + principal;
    p.trailers = {{"Mreg-Op", "approve"},
                  {"Mreg-Model", name},
                  {"Mreg-Version", std::to_string(r.version)},
                  {"Mreg-Request", request_id},
                  {"Mreg-Approver", principal},
                  {"Mreg-Key", check.key.fingerprint()}};
    p.body = comment;
    return p;
  });
}

}  // namespace mreg
