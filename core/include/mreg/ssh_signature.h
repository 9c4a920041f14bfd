// SSH signatures (SSHSIG, as made by `ssh-keygen -Y sign`) verified in-process
// with OpenSSL, OpenSSH public keys, and the allowed_signers file format.
//
// Approvals are signed with people's SSH keys. Verifying them here, rather than
// running `ssh-keygen -Y verify` per signature, keeps verification fast and free
// of process spawning. The verdicts agree with ssh-keygen (OpenSSH 9.2) except
// where this code is deliberately stricter; each difference is listed at
// verify_ssh_signature.
//
// Trust is not decided here. verify_ssh_signature says whether a signature was
// made by the key it names; the caller decides whether that key is trusted, by
// comparing it (operator==, which compares key blobs byte for byte) with the
// keys of an allowed-signers list or policy. Never compare comments or
// fingerprint strings to decide trust.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mreg {

// An OpenSSH public key.
struct SshPublicKey {
  // The key type as OpenSSH names it: "ssh-ed25519", "ssh-rsa",
  // "ecdsa-sha2-nistp256" (or 384, 521), "ssh-dss",
  // "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com".
  std::string algorithm;
  // The key in SSH wire format: what the base64 of a .pub line decodes to.
  // This, not the comment, is the key's identity.
  std::string blob;
  // Free text after the key on a .pub or allowed_signers line; not part of the
  // key's identity. Empty for keys read from signatures.
  std::string comment;

  // "SHA256:" + unpadded base64 of SHA-256(blob), as `ssh-keygen -l` prints.
  std::string fingerprint() const;
  // "<algorithm> <base64 blob>", without the comment.
  std::string to_line() const;
};

// Same key: same wire blob. The comment is ignored.
bool operator==(const SshPublicKey& a, const SshPublicKey& b);
bool operator!=(const SshPublicKey& a, const SshPublicKey& b);

// Parses "<type> <base64> [comment]" (a .pub line). The blob must be a
// well-formed key of a type listed at SshPublicKey::algorithm whose inner type
// matches <type>, with no trailing bytes; EC points must lie on their curve.
// Certificates (*-cert-v01@openssh.com) are refused. Parsing does not judge
// strength: a DSA or 1024-bit RSA key parses, and is refused at verification.
// Throws Error(INVALID_PARAMETER_VALUE) saying what is wrong.
SshPublicKey parse_public_key(const std::string& line);

enum class SignatureStatus {
  Good,                  // made by `key` over this message in this namespace
  Bad,                   // well formed, but the cryptographic check failed
  Malformed,             // not a well-formed armored SSHSIG
  WrongNamespace,        // a valid signature, but for another namespace
  WeakAlgorithm,         // ssh-rsa (SHA-1) signature, DSA key, RSA key < 2048 bits
  UnsupportedAlgorithm,  // security-key (sk-*) or certificate keys, other hashes
};

struct SignatureCheck {
  SignatureStatus status = SignatureStatus::Malformed;
  // Stable machine code: "SIGNATURE_GOOD", "SIGNATURE_BAD", "SIGNATURE_MALFORMED",
  // "SIGNATURE_NAMESPACE", "SIGNATURE_WEAK" or "SIGNATURE_UNSUPPORTED".
  std::string code;
  // For people. Text taken from the signature is quoted and escaped.
  std::string message;
  // The signer's key as named inside the signature, whenever it could be read
  // (also for Bad and WrongNamespace); otherwise empty.
  SshPublicKey key;
  bool good() const { return status == SignatureStatus::Good; }
};

// Verifies an armored SSHSIG over the exact bytes of `message` for
// `namespace_` (e.g. "mreg-approval-v1"; compared exactly, no patterns).
// Supported: ssh-ed25519; ssh-rsa keys of 2048 to 16384 bits with rsa-sha2-256
// or rsa-sha2-512 signatures; ecdsa-sha2-nistp256/384/521. Message hash: sha256
// or sha512.
//
// The armor is read as ssh-keygen reads it: the text must begin with exactly
// "-----BEGIN SSH SIGNATURE-----\n" (so a file converted to CRLF is refused, as
// ssh-keygen refuses it), the base64 runs to the first
// "\n-----END SSH SIGNATURE-----", and whitespace (including a CR) inside the
// base64 is skipped. The reserved field is ignored and signed as empty, as
// ssh-keygen does.
//
// Stricter than ssh-keygen 9.2, on purpose:
//  * DSA keys, RSA keys under 2048 bits: WeakAlgorithm (ssh-keygen accepts them).
//  * Anything but whitespace after the END line: Malformed (ssh-keygen ignores it).
//  * Version 0: Malformed (ssh-keygen accepts any version up to 1).
//  * Inputs over 64 KiB: Malformed.
//  * sk-* keys and certificates: UnsupportedAlgorithm (ssh-keygen verifies them).
//
// Never throws for hostile signature or message bytes; throws
// Error(INVALID_PARAMETER_VALUE) only if `namespace_` is empty.
SignatureCheck verify_ssh_signature(const std::string& armored, const std::string& message,
                                    const std::string& namespace_);

// One line of an allowed_signers file (ssh-keygen(1), ALLOWED SIGNERS):
//   principals [options] keytype base64-key [comment]
struct AllowedSigner {
  // Comma-separated pattern-list of principals ("alice@example.com",
  // "*@example.com", "!mallory@example.com"), kept as written, one per item.
  std::vector<std::string> principals;
  // namespaces="..." pattern-list, one per item. Empty: no namespaces option,
  // so any namespace. namespaces="" is kept as one empty item (none allowed).
  std::vector<std::string> namespaces;
  // valid-after="..." and valid-before="...": YYYYMMDD[HHMM[SS]], local time
  // unless followed by "Z" (UTC). Kept as written; comparing them with a
  // reference time is the caller's job (SSHSIG carries no signing time).
  std::optional<std::string> valid_after, valid_before;
  // The key is a certificate authority. Only certificates it issued are
  // accepted, and verify_ssh_signature does not support certificates, so a
  // signature made directly by this key must not be taken as this signer's.
  bool cert_authority = false;
  SshPublicKey key;  // key.comment holds the line's comment
};

// Parses allowed_signers text. Blank lines and lines starting with '#' are
// skipped; CRLF line ends are accepted. Option names are case-insensitive and
// option values must be quoted, as ssh-keygen requires. Throws
// Error(INVALID_PARAMETER_VALUE) on the first malformed line, naming its number.
std::vector<AllowedSigner> parse_allowed_signers(const std::string& text);

// One line per signer, each ending in "\n", that ssh-keygen and
// parse_allowed_signers read back to the same signers. Throws
// Error(INVALID_PARAMETER_VALUE) for a signer that cannot be written (no
// principals, a principal with whitespace, commas or quotes, a namespace with a
// comma or quote, a bad time, a line break in the comment).
std::string format_allowed_signers(const std::vector<AllowedSigner>& signers);

}  // namespace mreg
