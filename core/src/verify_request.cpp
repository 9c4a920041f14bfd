// The verdict on one request: which of its approvals count, and why the others do not.
#include <map>
#include <set>

#include "manifest.h"
#include "mreg/approval.h"
#include "mreg/model_dir.h"
#include "mreg/names.h"
#include "mreg/sha256.h"
#include "mreg/timefmt.h"
#include "mreg/verify.h"
#include "text.h"

namespace mreg {
namespace {

// A file name of the form ID + SUFFIX with a non-empty ID.
bool id_with_suffix(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && ends_with(s, suffix);
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

struct Context {
  const Snapshot& tree;
  const Policy& policy;
  const TransitionRequest& request;
  const std::string& request_sha256;
  const std::optional<ModelVersion>& version;
  Timestamp at;
};

// A signature over `bytes` in `ns` by a key the policy lists for `principal`,
// not revoked, valid at `at`: "OK" or the E_* code, with the key's fingerprint.
struct SignerCheck {
  std::string code, message, key;
};
// The signature is good, by a key the policy lists for someone and does not revoke.
SignerCheck check_key(const Policy& policy, const std::string& path, const SignatureCheck& sig) {
  SignerCheck out;
  if (!sig.key.blob.empty()) out.key = sig.key.fingerprint();
  out.code = "OK";
  if (!sig.good()) {
    out.code = signature_code(sig.status);
    out.message = path + ".sig: " + sig.message;
  } else if (const RevokedKey* r = policy.revoked(sig.key)) {
    out.code = "E_KEY_REVOKED";
    out.message = "key " + out.key + " is revoked in policy version " + std::to_string(policy.version) +
                  (r->reason.empty() ? "" : " (" + r->reason + ")");
  } else if (policy.owners_of(sig.key).empty()) {
    out.code = "E_UNKNOWN_KEY";
    out.message = "valid signature by key " + out.key + " not in policy version " + std::to_string(policy.version);
  }
  return out;
}

SignerCheck check_signer(const Policy& policy, const std::string& principal, const std::string& path,
                         const SignatureCheck& sig, Timestamp at) {
  SignerCheck out = check_key(policy, path, sig);
  if (out.code != "OK") return out;
  auto fail = [&](const std::string& code, const std::string& message) {
    out.code = code;
    out.message = message;
    return out;
  };
  const auto owners = policy.owners_of(sig.key);
  const PolicyKey* key = policy.key_of(principal, sig.key);
  if (!key)
    return fail("E_PRINCIPAL_MISMATCH", path + " is for " + principal + " but is signed by " + join(owners, ", ") +
                                            "'s key " + out.key);
  const std::string ref = format_rfc3339(at);
  if (key->valid_after && at < *key->valid_after)
    return fail("E_KEY_NOT_YET_VALID", "key " + out.key + " for " + principal + " valid from " +
                                           format_rfc3339(*key->valid_after) + ", reference time " + ref);
  if (key->valid_before && at >= *key->valid_before)
    return fail("E_KEY_EXPIRED", "key " + out.key + " for " + principal + " valid until " +
                                     format_rfc3339(*key->valid_before) + ", reference time " + ref);
  out.code = "OK";
  return out;
}

// A signed file needs both halves: the payload and its .sig. False when both are there;
// else the verdict says which is missing.
template <class Verdict>
bool missing_half(Verdict& v, const std::string& path, const std::optional<std::string>& payload,
                  const std::optional<std::string>& signature) {
  if (!payload) {
    v.code = "E_MALFORMED_PAYLOAD";
    v.message = path + ".sig has no " + path + " beside it";
  } else if (!signature) {
    v.code = "E_UNSIGNED";
    v.message = path + " has no signature (" + path + ".sig is missing)";
  } else {
    return false;
  }
  return true;
}

// One reviewer's approval, apart from the rules: the payload must be signed by
// a key the policy lists for the principal it names, bind exactly this request
// and version, and be within its own and its key's validity at the reference
// time. Which rules it counts for is decided by the caller.
ApprovalVerdict check_approval(const Context& c, const std::string& principal, const std::string& path,
                               const std::optional<std::string>& payload, const std::optional<std::string>& signature,
                               std::int64_t* valid_for) {
  ApprovalVerdict v;
  v.path = path;
  v.principal = principal;
  auto fail = [&](const std::string& code, const std::string& message) {
    v.code = code;
    v.message = message;
    return v;
  };
  if (missing_half(v, path, payload, signature)) return v;
  // Signature problems come first: they say more than a payload that does not parse.
  const SignatureCheck sig = verify_ssh_signature(*signature, *payload, approval_namespace());
  const SignerCheck key = check_key(c.policy, path, sig);
  v.key = key.key;
  if (key.code != "OK") return fail(key.code, key.message);
  ApprovalPayload a;
  try {
    a = parse_approval(*payload);
  } catch (const Error& e) {
    return fail("E_MALFORMED_PAYLOAD", path + ": " + e.what());
  }
  if (a.approver != principal)
    return fail("E_PRINCIPAL_MISMATCH", path + " is named for " + principal + " but its payload says approver " + a.approver);
  const SignerCheck signer = check_signer(c.policy, principal, path, sig, c.at);
  if (signer.code != "OK") return fail(signer.code, signer.message);

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
  differ("remove_alias", a.remove_alias, r.remove_alias);
  differ("delete_version", a.delete_version ? "true" : "false", r.delete_version ? "true" : "false");
  differ("request_id", a.request_id, r.id);
  differ("request_sha256", a.request_sha256, c.request_sha256);
  if (a.policy_version > c.policy.version)
    diffs.push_back("policy_version " + std::to_string(a.policy_version) + " > " + std::to_string(c.policy.version));
  if (!diffs.empty()) return fail("E_PAYLOAD_MISMATCH", path + " approves something else: " + join(diffs, ", "));
  if (c.version && a.version_sha256 != version_identity_sha256(*c.version))
    return fail("E_DIGEST_MISMATCH", path + ": version_sha256 approved " + a.version_sha256 + ", the tree has " +
                                         version_identity_sha256(*c.version) + " (the version changed after approval)");
  const std::string ref = format_rfc3339(c.at);
  if (c.at >= a.expires_at)
    return fail("E_APPROVAL_EXPIRED", path + " expired at " + format_rfc3339(a.expires_at) + ", reference time " + ref);
  if (a.issued_at > c.at + 300)
    return fail("E_APPROVAL_NOT_YET_VALID", path + " is issued at " + format_rfc3339(a.issued_at) +
                                                ", after the reference time " + ref);
  *valid_for = a.expires_at - a.issued_at;
  v.code = "OK";
  v.message = "good signature by " + principal + " with key " + v.key;
  return v;
}

}  // namespace

void request_scope(const TransitionRequest& r, const std::vector<std::string>& aliases_of_version,
                   std::vector<std::string>& stages, std::vector<std::string>& aliases) {
  if (!r.to_stage.empty()) {
    stages = {r.from_stage, r.to_stage};
  } else if (r.delete_version) {
    stages = {r.from_stage};
    aliases = aliases_of_version;
  } else {
    aliases = {r.alias_concerned()};
  }
}

RequestVerdict verify_request(const Snapshot& tree, const Policy& policy, const std::string& model,
                              const std::string& request_id, Timestamp at, const ModelVersion* acted_on) {
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
  std::optional<ModelVersion> version;
  if (acted_on) {
    version = *acted_on;
  } else {
    try {
      version = tree.get_model_version(model, r.version);
    } catch (const Error&) {
      problem("E_VERSION_MISSING", version_path(model, r.version), model + " version " + std::to_string(r.version) + " does not exist");
    }
  }
  if (version && version_identity_sha256(*version) != r.version_sha256)
    problem("E_DIGEST_MISMATCH", version_path(model, r.version),
            "request " + r.id + " binds version_sha256 " + r.version_sha256 + ", the tree has " +
                version_identity_sha256(*version) + " (the version changed after the request)");

  std::vector<std::string> stages, aliases;
  request_scope(r, version ? version->aliases : std::vector<std::string>{}, stages, aliases);
  const std::vector<GoverningRule> rules = policy.rules_governing(model, stages, aliases);
  v.is_protected = !rules.empty();
  const std::string policy_name = "policy version " + std::to_string(policy.version);
  auto rule_name = [&](const GoverningRule& g) { return policy_name + ", rule " + std::to_string(g.index + 1); };
  if (v.is_protected) {
    v.rule = rule_name(rules.front());
    for (size_t i = 1; i < rules.size(); ++i) v.rule += ", rule " + std::to_string(rules[i].index + 1);
    for (const auto& g : rules) v.needed = std::max(v.needed, g.rule->threshold);
  }

  // The requester: proven only by a signature over the request's bytes.
  const std::string requester = email_of(r.requested_by);
  if (const auto sig = tree.read_file(request_signature_path(model, request_id))) {
    const SignerCheck c =
        check_signer(policy, requester, v.path, verify_ssh_signature(*sig, *bytes, request_namespace()), at);
    v.requester_key = c.key;
    v.requester_code = c.code;
    v.requester_message = c.code == "OK" ? "signed by " + requester + " with key " + c.key : c.message;
    if (c.code == "OK") v.requester = requester;
  } else {
    v.requester_code = "E_UNSIGNED";
    v.requester_message = v.path + " is not signed by its requester (" + v.path + ".sig is missing)";
  }
  bool self_forbidden = false;
  for (const auto& g : rules) self_forbidden = self_forbidden || !g.rule->allow_self_approval;
  if (self_forbidden && !v.requester_proven())
    problem("E_REQUESTER_UNPROVEN", v.path,
            "the requester of " + r.id + " is not proven (" + v.requester_message + "), and " + rule_name(rules.front()) +
                " forbids self-approval: the request must be signed by a key the policy lists for " + requester);

  // principal -> (.approval, .approval.sig)
  std::map<std::string, std::pair<std::optional<std::string>, std::optional<std::string>>> files;
  const std::string dir = model_dir(model) + "/approvals/" + request_id + "/";
  for (const auto& path : tree.list_files(dir.substr(0, dir.size() - 1))) {
    const std::string name = path.substr(dir.size());
    if (name.find('/') != std::string::npos) continue;
    if (id_with_suffix(name, ".approval.sig")) files[name.substr(0, name.size() - 13)].second = tree.read_file(path);
    else if (id_with_suffix(name, ".approval")) files[name.substr(0, name.size() - 9)].first = tree.read_file(path);
  }
  const std::string request_sha256 = sha256_hex(*bytes);
  const Context c{tree, policy, r, request_sha256, version, at};
  std::set<std::string> counted;
  std::vector<std::set<std::string>> per_rule(rules.size());
  for (const auto& [principal, pair] : files) {
    std::int64_t valid_for = 0;
    ApprovalVerdict a = check_approval(c, principal, dir + principal + ".approval", pair.first, pair.second, &valid_for);
    if (a.ok() && v.is_protected) {
      // It counts for each governing rule that names the principal as an approver,
      // is not the proven requester's own where the rule forbids that, and allows its length.
      std::string why;
      for (size_t i = 0; i < rules.size(); ++i) {
        const PolicyRule& rule = *rules[i].rule;
        if (!rule.is_approver(principal)) {
          if (why.empty()) why = "E_NOT_AUTHORIZED";
        } else if (!rule.allow_self_approval && principal == v.requester) {
          why = "E_SELF_APPROVAL";
        } else if (valid_for > rule.approval_valid_for) {
          why = "E_APPROVAL_TOO_LONG";
        } else {
          per_rule[i].insert(principal);
        }
      }
      bool counts = false;
      for (const auto& set : per_rule) counts = counts || set.count(principal);
      if (!counts) {
        a.code = why;
        a.message = why == "E_SELF_APPROVAL" ? principal + " requested " + r.id + " and may not approve it (" + v.rule + ")"
                    : why == "E_APPROVAL_TOO_LONG"
                        ? a.path + " is valid for longer than " + v.rule + " allows"
                        : principal + " lacks approver role for " + r.model + "/" + r.target() + " (" + v.rule + ")";
      }
    }
    if (a.ok() && !counted.insert(principal).second) {
      a.code = "E_DUPLICATE_APPROVER";
      a.message = principal + " is counted once";
    }
    v.approvals.push_back(std::move(a));
  }
  v.approved = static_cast<std::int64_t>(counted.size());
  v.approvers.assign(counted.begin(), counted.end());
  for (size_t i = 0; i < rules.size(); ++i) {
    RuleTally t;
    t.rule = rule_name(rules[i]);
    t.needed = rules[i].rule->threshold;
    t.approved_by.assign(per_rule[i].begin(), per_rule[i].end());
    for (const auto& who : rules[i].rule->approvers)
      if (!per_rule[i].count(who) && (rules[i].rule->allow_self_approval || who != requester))
        t.may_approve.push_back(who);
    v.tallies.push_back(std::move(t));
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    const auto have = static_cast<std::int64_t>(per_rule[i].size());
    if (have >= rules[i].rule->threshold) continue;
    std::string message = std::to_string(have) + "/" + std::to_string(rules[i].rule->threshold) + " distinct approvers";
    if (!per_rule[i].empty())
      message += " (" + join(std::vector<std::string>(per_rule[i].begin(), per_rule[i].end()), ", ") + ")";
    message += " for " + model + " v" + std::to_string(r.version) + " -> " + r.target() + " (" + rule_name(rules[i]) + ")";
    problem("E_THRESHOLD_NOT_MET", dir.substr(0, dir.size() - 1), message);
  }
  return v;
}

std::vector<GoverningRule> governing_rules(const Snapshot& tree, const Policy& policy, const TransitionRequest& r) {
  std::vector<std::string> aliases_of_version, stages, aliases;
  if (r.delete_version) try {
      aliases_of_version = tree.get_model_version(r.model, r.version).aliases;
    } catch (const Error&) {
    }
  request_scope(r, aliases_of_version, stages, aliases);
  return policy.rules_governing(r.model, stages, aliases);
}

ClosingVerdict verify_closing(const Snapshot& tree, const Policy& policy, const TransitionRequest& r,
                              const std::string& path, const std::optional<std::string>& payload,
                              const std::optional<std::string>& signature, Timestamp at) {
  ClosingVerdict v;
  v.path = path;
  const std::string name = path.substr(path.rfind('/') + 1);
  const bool reject = id_with_suffix(name, ".rejection");
  v.principal = name.substr(0, name.rfind('.'));
  v.outcome = reject ? "rejected" : "cancelled";
  auto fail = [&](const std::string& code, const std::string& message) {
    v.code = code;
    v.message = message;
    return v;
  };
  if (missing_half(v, path, payload, signature)) return v;
  const SignerCheck signer =
      check_signer(policy, v.principal, path, verify_ssh_signature(*signature, *payload, closing_namespace()), at);
  v.key = signer.key;
  if (signer.code != "OK") return fail(signer.code, signer.message);
  ClosingPayload c;
  try {
    c = parse_closing(*payload);
  } catch (const Error& e) {
    return fail("E_MALFORMED_PAYLOAD", path + ": " + e.what());
  }
  const auto request_bytes = tree.read_file(request_path(r.model, r.id));
  std::vector<std::string> diffs;
  if (c.registry != tree.config().registry) diffs.push_back("registry " + c.registry);
  if (c.model != r.model) diffs.push_back("model " + c.model);
  if (c.request_id != r.id) diffs.push_back("request_id " + c.request_id);
  if (!request_bytes || c.request_sha256 != sha256_hex(*request_bytes)) diffs.push_back("request_sha256 " + c.request_sha256);
  if (c.outcome != (reject ? "reject" : "cancel")) diffs.push_back("outcome " + c.outcome);
  if (c.principal != v.principal) diffs.push_back("principal " + c.principal);
  if (!diffs.empty()) return fail("E_PAYLOAD_MISMATCH", path + " closes something else: " + join(diffs, ", "));
  bool entitled = false;
  if (reject) {
    for (const auto& g : governing_rules(tree, policy, r)) entitled = entitled || g.rule->is_approver(v.principal);
  } else {
    entitled = v.principal == email_of(r.requested_by) || policy.is_admin(v.principal);
  }
  if (!entitled)
    return fail("E_NOT_AUTHORIZED",
                v.principal + (reject ? " is not an approver of a rule that governs request "
                                      : " is neither the requester nor an admin, so may not cancel request ") +
                    r.id);
  v.code = "OK";
  v.message = v.outcome + " by " + v.principal + " with key " + v.key;
  return v;
}

std::vector<ClosingVerdict> verify_closings(const Snapshot& tree, const Policy& policy, const TransitionRequest& r,
                                            Timestamp at) {
  std::vector<ClosingVerdict> out;
  const std::string dir = model_dir(r.model) + "/approvals/" + r.id;
  for (const auto& path : tree.list_files(dir)) {
    const std::string name = path.substr(dir.size() + 1);
    if (name.find('/') != std::string::npos || !(id_with_suffix(name, ".rejection") || id_with_suffix(name, ".cancellation")))
      continue;
    out.push_back(verify_closing(tree, policy, r, path, tree.read_file(path), tree.read_file(path + ".sig"), at));
  }
  return out;
}

}  // namespace mreg
