// The approval policy: a chain of versions kept in the tree
// (.mreg/policy/<N>.yaml), each signed by enough admins of the one before, as
// TUF keeps its root metadata. Version 1 is trusted because its sha256 matches
// a trusted root given from outside the repository (a CI variable, a
// deployment's config, `git config mreg.trustedRoot`); every later version is
// trusted only through the signatures of its predecessor's admins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mreg/registry.h"
#include "mreg/ssh_signature.h"
#include "mreg/types.h"

namespace mreg {

// SSH signature namespaces (ssh-keygen -Y sign -n ...). Distinct from git's, so
// no commit or tag signature can pass for an approval or a policy signature.
inline const char* approval_namespace() { return "mreg-approval-v1"; }
inline const char* policy_namespace() { return "mreg-policy-v1"; }
// A requester's signature over the request file's bytes (requests/<id>.yaml.sig).
inline const char* request_namespace() { return "mreg-request-v1"; }
// A reviewer's rejection or a requester's (or admin's) cancellation of a request.
inline const char* closing_namespace() { return "mreg-closing-v1"; }

struct PolicyKey {
  SshPublicKey key;
  std::optional<Timestamp> valid_after, valid_before;
};

struct RevokedKey {
  SshPublicKey key;
  std::optional<Timestamp> revoked_at;
  std::string reason;
};

struct PolicyRule {
  std::vector<std::string> models;   // name patterns (* and ?)
  std::vector<std::string> stages;   // matched ignoring case
  std::vector<std::string> aliases;  // alias patterns
  std::vector<std::string> approvers;
  std::int64_t threshold = 1;
  bool allow_self_approval = false;
  std::int64_t approval_valid_for = 14 * 86400;  // seconds
  std::string approval_valid_for_text = "14d";

  // Model and alias patterns match ignoring case, as names are unique ignoring case.
  bool protects(const std::string& model, const std::string& stage, const std::string& alias) const;
  bool is_approver(const std::string& principal) const;
};

// A rule that governs a change, with its place in the policy.
struct GoverningRule {
  const PolicyRule* rule = nullptr;
  std::size_t index = 0;  // 0-based
};

struct Policy {
  std::string path;    // .mreg/policy/<N>.yaml
  std::string sha256;  // of the file's bytes
  std::string registry;
  std::int64_t version = 0;
  std::string previous_sha256;
  std::vector<std::string> admins;
  std::int64_t admin_threshold = 1;
  std::vector<std::pair<std::string, std::vector<PolicyKey>>> principals;  // in file order
  std::vector<RevokedKey> revoked_keys;
  std::vector<PolicyRule> rules;

  // The first rule that protects a move, with its index; nullptr when none does.
  const PolicyRule* rule_for(const std::string& model, const std::string& stage, const std::string& alias,
                             std::size_t* index = nullptr) const;
  // Every rule that protects one of `stages` or `aliases` of `model`, each once, in
  // policy order: a change of protected state must satisfy all of them.
  std::vector<GoverningRule> rules_governing(const std::string& model, const std::vector<std::string>& stages,
                                             const std::vector<std::string>& aliases) const;
  // The principals a key is listed for (normally one).
  std::vector<std::string> owners_of(const SshPublicKey& key) const;
  const PolicyKey* key_of(const std::string& principal, const SshPublicKey& key) const;
  const RevokedKey* revoked(const SshPublicKey& key) const;
  bool is_admin(const std::string& principal) const;
};

// One thing wrong, with a stable code (docs/approvals.md lists them).
struct Finding {
  std::string code;       // E_BAD_SIGNATURE, E_POLICY_UNTRUSTED, ...
  std::string path;       // the file, when there is one
  std::string principal;  // who, when known
  std::string key;        // key fingerprint, when known
  std::string message;    // for people; says the file and what differs
};

struct PolicyChain {
  std::vector<Policy> trusted;       // versions 1..K that verify, in order
  std::int64_t newest_present = 0;   // highest N in the tree
  std::string root_sha256;           // sha256 of version 1's bytes as found
  bool root_pinned = false;          // a trusted root was given and matched
  std::vector<Finding> problems;     // why a version present is not trusted

  bool empty() const { return newest_present == 0; }
  const Policy* effective() const { return trusted.empty() ? nullptr : &trusted.back(); }
};

// Reads and checks the chain in a commit. `trusted_root` is "sha256:<hex>" (or
// the bare hex); empty takes version 1 as found (root_pinned stays false).
PolicyChain load_policy_chain(const Snapshot& snapshot, const std::string& trusted_root);

// Parses and renders a policy version (validated against schemas/policy.schema.json).
Policy parse_policy(const std::string& text, const std::string& path);
std::string render_policy(const Policy& policy);

// The allowed_signers file for plain ssh-keygen: every unrevoked key of the
// policy with its principal, namespaces and validity window.
std::string allowed_signers_text(const Policy& policy);

// "14d", "12h", "90m" -> seconds; nullopt when malformed.
std::optional<std::int64_t> parse_duration(const std::string& text);

std::string policy_path(std::int64_t version);
std::string policy_signature_path(std::int64_t version, const std::string& principal);

}  // namespace mreg
