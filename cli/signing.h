// Signing with the user's own tools: `ssh-keygen -Y sign` for approvals and
// policy signatures (so ssh-agent, passphrases and hardware keys work), and
// git's commit.gpgSign settings for signed commits.
#pragma once

#include <functional>
#include <string>

#include "mreg/registry.h"

namespace mreg::cli {

// An armored SSH signature of `data` in `namespace_`, made with `key`: a key
// file (private, or public with the private half in ssh-agent) or a literal
// public key ("ssh-ed25519 AAAA..."); empty means git's user.signingKey.
std::string ssh_sign(const Registry& registry, const std::string& data, const std::string& namespace_,
                     const std::string& key);

// The public key `key` names (as ssh_sign takes it), as a .pub line.
std::string ssh_public_key(const Registry& registry, const std::string& key);

// A commit signer when git is set up to sign commits (commit.gpgSign with
// gpg.format ssh or openpgp); empty otherwise.
std::function<std::string(const std::string&)> commit_signer(const Registry& registry);

}  // namespace mreg::cli
