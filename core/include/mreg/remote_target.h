// Where a write is pushed, and how mreg authenticates to a remote.
#pragma once

#include <string>

namespace mreg {

// Credentials for a remote. ssh: ssh-agent first, then the key file; http(s):
// the token as the password. They are never printed or logged.
struct RemoteCredentials {
  std::string ssh_key;         // a private key file
  std::string ssh_passphrase;  // for ssh_key
  std::string username;        // sent with the token; default: the URL's user, else "git"
  std::string token;           // a password or access token for http(s)

  // MREG_SSH_KEY, MREG_SSH_KEY_PASSPHRASE, MREG_GIT_USERNAME, MREG_GIT_TOKEN.
  static RemoteCredentials from_environment();
  // These, with the password in url's user part (https://user:TOKEN@host/...), when it has
  // one, as the token.
  RemoteCredentials with_password_of(const std::string& url) const;
};

// A branch of a remote: what `mreg pull` and `mreg push` talk to, and where a write
// with WriteOptions::push lands.
struct PushTarget {
  std::string remote = "origin";  // a remote configured in the repository
  std::string branch;             // the remote's branch, e.g. "main"
  RemoteCredentials credentials;
  // A push that the remote rejects because it moved is re-applied on its new tip,
  // this many times in all before the write fails with RESOURCE_CONFLICT. Generous:
  // eight writers pushing without pause each need up to a few dozen tries.
  int max_attempts = 100;
};

}  // namespace mreg
