// Signed annotated tags, made as `git tag -s` makes them whenever git's configuration asks for
// them: `tag.gpgSign`, or `tag.forceSignAnnotated` (every mreg tag has a message, as
// `git tag -m` does). The tag object's text goes to the program of `gpg.format` (openpgp: `gpg`,
// x509: `gpgsm`, ssh: `ssh-keygen -Y sign -n git`), with `user.signingKey`, and the armored
// signature is appended to the text; the settings are read as git 2.39 reads them
// (gpg-interface.c). mreg runs the signer itself: nothing here depends on who asked for the write.
#pragma once

#include <optional>
#include <string>

#include "git.h"

namespace mreg {

class TagSigner {
 public:
  // The signer git's configuration asks for, else an empty one. Reads the configuration and
  // runs nothing; INVALID_PARAMETER_VALUE for a setting git would refuse (gpg.format, a
  // boolean that is none) when tags are to be signed.
  static TagSigner from_config(const git::Repository& repo);

  // Are tags to be signed?
  explicit operator bool() const { return !asked_by_.empty(); }

  // The tag object `text` (git::Repository::tag_object_text of the tag `name`) followed by its
  // armored signature, as git writes a signed tag. The openpgp and x509 key, when
  // user.signingKey is unset, is `tagger`'s "Name <email>" (git takes the committer's, who is
  // the tagger). Runs the signer; when it cannot sign (missing program, unreadable key, a
  // non-zero exit, no signature) throws INVALID_PARAMETER_VALUE naming the configuration keys
  // and carrying what the signer said on stderr.
  std::string sign(const std::string& name, const std::string& text, const git::Signature& tagger) const;

 private:
  std::string asked_by_;     // "tag.gpgSign" or "tag.forceSignAnnotated"; empty: unsigned tags
  std::string format_;       // "openpgp", "x509" or "ssh"
  std::string program_key_;  // the setting that names the program, e.g. "gpg.ssh.program"
  std::string program_;      // e.g. "ssh-keygen"
  std::optional<std::string> key_;                  // user.signingKey
  std::optional<std::string> default_key_command_;  // gpg.ssh.defaultKeyCommand

  std::string sign_ssh(const std::string& name, const std::string& payload, const std::string& dir) const;
  std::string sign_gpg(const std::string& name, const std::string& payload, const std::string& dir,
                       const git::Signature& tagger) const;
  std::string ssh_default_key(const std::string& name, const std::string& dir) const;
  [[noreturn]] void fail(const std::string& name, const std::string& what, const std::string& output = "") const;
};

}  // namespace mreg
