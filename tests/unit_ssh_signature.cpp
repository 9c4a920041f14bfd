// SSH signatures: the in-process verifier gives the same verdict as
// `ssh-keygen -Y verify` (and `-Y check-novalidate`) on real keys and
// signatures made by ssh-keygen, on tampered copies of them, and on signatures
// built here to reach corners ssh-keygen never writes. Where the verifier is
// stricter on purpose (weak keys, data after the armor, version 0), the test
// checks that ssh-keygen really does accept and that we refuse with the stated
// status.
#include <catch2/catch.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "mreg/error.h"
#include "mreg/ssh_signature.h"
#include "support/unit_temp_dir.h"

using namespace mreg;
namespace fs = std::filesystem;

namespace {

const std::string kNs = "mreg-approval-v1";
const std::string kPrincipal = "alice@example.com";
const std::string kMessage = "approve: fraud-detector v7 -> Production\nrequest: 42\n";

// ---- files and processes ----------------------------------------------------

using unit::TempDir;

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << data;
}
std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Exit status of a shell command; output it does not redirect itself is discarded.
int run(const std::string& cmd) {
  int rc = std::system(("{ " + cmd + "; } >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
std::string capture(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}
bool have_ssh_keygen() { return run("command -v ssh-keygen") == 0; }

// ---- wire format and armor, written independently of the code under test ----

std::string u32(uint32_t n) {
  return {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
}
std::string str(const std::string& s) { return u32(static_cast<uint32_t>(s.size())) + s; }

std::string b64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}
std::string unb64(const std::string& text) {
  std::string in;
  for (char c : text) {
    if (!isspace(static_cast<unsigned char>(c))) in += c;
  }
  std::string out(in.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  REQUIRE(n >= 0);
  size_t pad = in.size() - in.find_last_not_of('=') - 1;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string armor(const std::string& blob, const std::string& eol = "\n", size_t width = 70) {
  std::string text = b64(blob), out = "-----BEGIN SSH SIGNATURE-----" + eol;
  for (size_t i = 0; i < text.size(); i += width) out += text.substr(i, width) + eol;
  return out + "-----END SSH SIGNATURE-----" + eol;
}
std::string dearmor(const std::string& armored) {
  size_t begin = armored.find('\n') + 1, end = armored.find("-----END");
  return unb64(armored.substr(begin, end - begin));
}

// Reads RFC 4251 strings; for taking fixtures apart, not for hostile input.
struct Cursor {
  std::string data;
  size_t at = 0;
  uint32_t u32() {
    REQUIRE(at + 4 <= data.size());
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(data[at + i])); };
    uint32_t v = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
    at += 4;
    return v;
  }
  std::string str() {
    uint32_t n = u32();
    REQUIRE(at + n <= data.size());
    std::string s = data.substr(at, n);
    at += n;
    return s;
  }
};

// An SSHSIG blob taken apart, to be changed and put back together.
struct Sshsig {
  std::string magic = "SSHSIG";
  uint32_t version = 1;
  std::string pubkey, ns, reserved, hash, sig_type, raw_sig;

  static Sshsig from_armored(const std::string& armored) {
    Cursor c{dearmor(armored)};
    Sshsig s;
    s.magic = c.data.substr(0, 6);
    c.at = 6;
    s.version = c.u32();
    s.pubkey = c.str();
    s.ns = c.str();
    s.reserved = c.str();
    s.hash = c.str();
    Cursor inner{c.str()};
    s.sig_type = inner.str();
    s.raw_sig = inner.str();
    REQUIRE(c.at == c.data.size());
    REQUIRE(inner.at == inner.data.size());
    return s;
  }
  std::string sig_blob() const { return str(sig_type) + str(raw_sig); }
  std::string blob() const { return magic + u32(version) + str(pubkey) + str(ns) + str(reserved) + str(hash) + str(sig_blob()); }
  std::string armored() const { return armor(blob()); }
};

// ---- keys made with ssh-keygen ----------------------------------------------

struct Key {
  std::string name;
  fs::path path;        // private key; path + ".pub" is the public key
  SshPublicKey pub;
  bool weak = false;    // ssh-keygen accepts it, we refuse it
};

// Keys and signatures made once per test process.
struct Fixtures {
  TempDir tmp;
  std::vector<Key> keys;

  Fixtures() {
    struct Spec { const char* name; const char* args; bool weak; };
    const Spec specs[] = {
        {"ed25519", "-t ed25519", false},       {"ed25519-b", "-t ed25519", false},
        {"rsa-3072", "-t rsa -b 3072", false},  {"rsa-2048", "-t rsa -b 2048", false},
        {"ecdsa-256", "-t ecdsa -b 256", false}, {"ecdsa-256-b", "-t ecdsa -b 256", false},
        {"ecdsa-384", "-t ecdsa -b 384", false}, {"ecdsa-521", "-t ecdsa -b 521", false},
        {"dsa", "-t dsa", true},                 {"rsa-1024", "-t rsa -b 1024", true},
    };
    for (const auto& s : specs) {
      Key k{s.name, tmp.dir / s.name, {}, s.weak};
      // Newer OpenSSH cannot make DSA keys; that fixture is then left out.
      if (run(std::string("ssh-keygen -q -N '' -C ") + s.name + "@test " + s.args + " -f " + k.path.string()) != 0) {
        continue;
      }
      k.pub = parse_public_key(read_file(k.path.string() + ".pub"));
      keys.push_back(k);
    }
  }

  const Key& key(const std::string& name) const {
    for (const auto& k : keys) {
      if (k.name == name) return k;
    }
    FAIL("no key " << name);
    throw;
  }

  std::string sign(const Key& k, const std::string& message, const std::string& ns = kNs,
                   const std::string& hashalg = "") {
    write_file(tmp.dir / "to-sign", message);
    const fs::path out = tmp.dir / "signed";
    std::string cmd = "ssh-keygen -Y sign -n " + ns + " -f " + k.path.string() +
                      (hashalg.empty() ? "" : " -O hashalg=" + hashalg) + " < " + (tmp.dir / "to-sign").string() +
                      " > " + out.string();
    REQUIRE(run(cmd) == 0);
    return read_file(out);
  }

  // ssh-keygen's verdict: is `armored` a good signature over `message` in
  // `ns` by the key `trusted_line`, allowed for kPrincipal?
  bool ssh_keygen_verify(const std::string& trusted_line, const std::string& armored, const std::string& message,
                         const std::string& ns) {
    return ssh_keygen_verify_with(kPrincipal + " " + trusted_line + "\n", armored, message, ns);
  }
  bool ssh_keygen_verify_with(const std::string& allowed_signers, const std::string& armored,
                              const std::string& message, const std::string& ns,
                              const std::string& principal = kPrincipal) {
    write_file(tmp.dir / "allowed_signers", allowed_signers);
    write_file(tmp.dir / "sig", armored);
    write_file(tmp.dir / "msg", message);
    return run("ssh-keygen -Y verify -f " + (tmp.dir / "allowed_signers").string() + " -I " + principal + " -n '" +
               ns + "' -s " + (tmp.dir / "sig").string() + " < " + (tmp.dir / "msg").string()) == 0;
  }
  // ssh-keygen's verdict on the signature alone: good by the key inside it?
  bool ssh_keygen_check_novalidate(const std::string& armored, const std::string& message, const std::string& ns) {
    write_file(tmp.dir / "sig", armored);
    write_file(tmp.dir / "msg", message);
    return run("ssh-keygen -Y check-novalidate -n '" + ns + "' -s " + (tmp.dir / "sig").string() + " < " +
               (tmp.dir / "msg").string()) == 0;
  }
};

Fixtures& fixtures() {
  static Fixtures f;
  return f;
}

// ---- keys made with OpenSSL, for signatures ssh-keygen would never write ----

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };

std::string mpint(const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(0, 1, '\0');
  return str(bytes);
}

struct SoftKey {
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey;
  SshPublicKey pub;

  static SoftKey ed25519() {
    SoftKey k;
    k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    REQUIRE(k.pkey);
    std::string raw(32, '\0');
    size_t len = raw.size();
    REQUIRE(EVP_PKEY_get_raw_public_key(k.pkey.get(), reinterpret_cast<unsigned char*>(raw.data()), &len) == 1);
    k.pub = {"ssh-ed25519", str("ssh-ed25519") + str(raw), ""};
    return k;
  }
  static SoftKey rsa(size_t bits) {
    SoftKey k;
    k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
    REQUIRE(k.pkey);
    BIGNUM *n = nullptr, *e = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1);
    REQUIRE(EVP_PKEY_get_bn_param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e) == 1);
    k.pub = {"ssh-rsa", str("ssh-rsa") + mpint(e) + mpint(n), ""};
    BN_free(n);
    BN_free(e);
    return k;
  }

  std::string sign_raw(const EVP_MD* md, const std::string& data) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    REQUIRE(EVP_DigestSignInit(ctx, nullptr, md, nullptr, pkey.get()) == 1);
    REQUIRE(EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1);
    std::string sig(len, '\0');
    REQUIRE(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1);
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return sig;
  }
};

std::string hash_of(const std::string& alg, const std::string& message) {
  const EVP_MD* md = EVP_get_digestbyname(alg.c_str());
  REQUIRE(md);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(EVP_Digest(message.data(), message.size(), out, &len, md, nullptr) == 1);
  return std::string(reinterpret_cast<char*>(out), len);
}

// What an SSHSIG signer signs (PROTOCOL.sshsig).
std::string signed_data(const std::string& ns, const std::string& reserved, const std::string& hash,
                        const std::string& message) {
  return "SSHSIG" + str(ns) + str(reserved) + str(hash) + str(hash_of(hash, message));
}

// A well-formed SSHSIG by `k`, to be bent by the caller before armoring.
Sshsig craft(const SoftKey& k, const std::string& message, const std::string& ns = kNs,
             const std::string& hash = "sha512", const EVP_MD* rsa_md = EVP_sha512(),
             const std::string& rsa_type = "rsa-sha2-512") {
  Sshsig s;
  s.pubkey = k.pub.blob;
  s.ns = ns;
  s.hash = hash;
  const bool rsa = k.pub.algorithm == "ssh-rsa";
  s.sig_type = rsa ? rsa_type : "ssh-ed25519";
  s.raw_sig = k.sign_raw(rsa ? rsa_md : nullptr, signed_data(ns, "", hash, message));
  return s;
}

// ---- the comparison ---------------------------------------------------------

enum class Expect {
  Same,      // our verdict equals ssh-keygen's
  Stricter,  // ssh-keygen accepts, we refuse on purpose
};

struct Case {
  std::string label;
  std::string armored;
  std::string message = kMessage;
  std::string ns = kNs;
  SshPublicKey trusted;  // the one key in allowed_signers
  Expect expect = Expect::Same;
};

struct Tally {
  int cases = 0, agreed = 0, stricter = 0;
};

// Runs one case through both verifiers and checks they agree: on the full
// verdict (good, by the trusted key) against `-Y verify`, and on the signature
// alone against `-Y check-novalidate`.
void compare(const Case& c, bool weak_key, Tally& tally) {
  auto& fx = fixtures();
  const SignatureCheck check = verify_ssh_signature(c.armored, c.message, c.ns);
  const bool ours = check.good() && check.key == c.trusted;
  const bool theirs = fx.ssh_keygen_verify(c.trusted.to_line(), c.armored, c.message, c.ns);
  const bool theirs_alone = fx.ssh_keygen_check_novalidate(c.armored, c.message, c.ns);
  INFO(c.label << ": ours " << check.code << " (" << check.message << "), ssh-keygen verify "
               << (theirs ? "good" : "bad") << ", check-novalidate " << (theirs_alone ? "good" : "bad"));
  ++tally.cases;
  if (weak_key) {
    // Whatever ssh-keygen says, a weak key never passes here; where ssh-keygen
    // passes it, the reason given is the key's weakness or the stricter armor.
    CHECK_FALSE(ours);
    if (theirs) {
      ++tally.stricter;
      CHECK((check.status == SignatureStatus::WeakAlgorithm || c.expect == Expect::Stricter));
    } else {
      ++tally.agreed;
    }
  } else if (c.expect == Expect::Stricter) {
    CHECK(theirs);
    CHECK_FALSE(ours);
    CHECK(check.status == SignatureStatus::Malformed);
    ++tally.stricter;
  } else {
    CHECK(ours == theirs);
    CHECK(check.good() == theirs_alone);
    if (ours == theirs && check.good() == theirs_alone) ++tally.agreed;
  }
}

std::string flip_byte(std::string s, size_t at) {
  s[at] = static_cast<char>(s[at] ^ 0x01);
  return s;
}

// Tampered variants of one good signature by k (sha512 unless hashalg says).
std::vector<Case> variants(Fixtures& fx, const Key& k, const std::string& hashalg) {
  const std::string sig = fx.sign(k, kMessage, kNs, hashalg);
  const Sshsig parts = Sshsig::from_armored(sig);
  std::vector<Case> cs;
  auto add = [&](std::string label, std::string armored, Expect expect = Expect::Same) {
    Case c;
    c.label = k.name + (hashalg.empty() ? "" : "/" + hashalg) + ": " + label;
    c.armored = std::move(armored);
    c.trusted = k.pub;
    c.expect = expect;
    cs.push_back(c);
    return &cs.back();
  };
  auto edit = [&](auto change) {
    Sshsig s = parts;
    change(s);
    return s.armored();
  };

  add("good", sig);
  add("message changed", sig)->message = kMessage + "x";
  add("message empty", sig)->message = "";
  add("message with CRLF", sig)->message = "approve: fraud-detector v7 -> Production\r\nrequest: 42\r\n";
  add("verified for namespace git", sig)->ns = "git";
  add("verified for a prefix of the namespace", sig)->ns = "mreg-approval-v";
  add("signed for namespace git", fx.sign(k, kMessage, "git", hashalg));
  add("signed for a longer namespace", fx.sign(k, kMessage, kNs + "x", hashalg));
  add("namespace field rewritten", edit([](Sshsig& s) { s.ns = "git"; }));
  add("reserved field set (ignored)", edit([](Sshsig& s) { s.reserved = "xyz"; }));
  add("hash label sha512 <-> sha256", edit([](Sshsig& s) { s.hash = s.hash == "sha512" ? "sha256" : "sha512"; }));
  add("hash label sha384", edit([](Sshsig& s) { s.hash = "sha384"; }));
  add("hash label upper case", edit([](Sshsig& s) { s.hash = s.hash == "sha512" ? "SHA512" : "SHA256"; }));

  // Trust and key substitution.
  const Key* other = nullptr;
  for (const auto& o : fx.keys) {
    if (&o != &k && o.pub.algorithm == k.pub.algorithm && !o.weak) other = &o;
  }
  if (!other) other = &fx.key(k.name == "ed25519" ? "ed25519-b" : "ed25519");
  add("allowed key is another key", sig)->trusted = other->pub;
  add("signer key swapped for " + other->name, edit([&](Sshsig& s) { s.pubkey = other->pub.blob; }))->trusted =
      other->pub;
  add("signer key swapped for ed25519", edit([&](Sshsig& s) { s.pubkey = fx.key("ed25519-b").pub.blob; }))->trusted =
      fx.key("ed25519-b").pub;
  add("signer key with trailing byte", edit([](Sshsig& s) { s.pubkey += '\0'; }));

  // Damaged signature bytes.
  add("last signature byte flipped", edit([](Sshsig& s) { s.raw_sig = flip_byte(s.raw_sig, s.raw_sig.size() - 1); }));
  add("middle signature byte flipped", edit([](Sshsig& s) { s.raw_sig = flip_byte(s.raw_sig, s.raw_sig.size() / 2); }));
  add("signature shortened", edit([](Sshsig& s) { s.raw_sig.pop_back(); }));
  add("signature lengthened", edit([](Sshsig& s) { s.raw_sig += '\0'; }));
  add("signature empty", edit([](Sshsig& s) { s.raw_sig.clear(); }));
  add("signature blob trailing byte", [&] {
    std::string b = parts.magic + u32(1) + str(parts.pubkey) + str(parts.ns) + str(parts.reserved) + str(parts.hash) +
                    str(parts.sig_blob() + "x");
    return armor(b);
  }());
  add("signature type of another algorithm", edit([&](Sshsig& s) {
        s.sig_type = s.sig_type == "ssh-ed25519" ? "rsa-sha2-512" : "ssh-ed25519";
      }));
  if (k.pub.algorithm == "ssh-rsa") {
    add("rsa-sha2-512 relabelled rsa-sha2-256", edit([](Sshsig& s) { s.sig_type = "rsa-sha2-256"; }));
    add("relabelled ssh-rsa (SHA-1)", edit([](Sshsig& s) { s.sig_type = "ssh-rsa"; }));
  }
  if (k.pub.algorithm.rfind("ecdsa-", 0) == 0) {
    add("signature type of another curve", edit([&](Sshsig& s) {
          s.sig_type = k.pub.algorithm == "ecdsa-sha2-nistp256" ? "ecdsa-sha2-nistp384" : "ecdsa-sha2-nistp256";
        }));
    // (r, s) as mpints: r made negative, and r with a redundant leading zero.
    Cursor rs{parts.raw_sig};
    const std::string r = rs.str(), s_ = rs.str();
    std::string negative = r[0] == '\0' ? r.substr(1) : std::string(1, static_cast<char>(r[0] | 0x80)) + r.substr(1);
    add("ECDSA r negative", edit([&](Sshsig& s) { s.raw_sig = str(negative) + str(s_); }));
    add("ECDSA r with an extra leading zero", edit([&](Sshsig& s) { s.raw_sig = str(std::string(1, '\0') + r) + str(s_); }));
    add("ECDSA trailing byte after s", edit([&](Sshsig& s) { s.raw_sig += '\0'; }));
  }

  // The blob's framing.
  const std::string blob = parts.blob();
  add("wrong magic", edit([](Sshsig& s) { s.magic = "SSHSIH"; }));
  add("version 2", edit([](Sshsig& s) { s.version = 2; }));
  add("version 0", edit([](Sshsig& s) { s.version = 0; }), Expect::Stricter);
  add("version 0xffffffff", edit([](Sshsig& s) { s.version = 0xffffffff; }));
  add("key length 0xffffffff", armor(blob.substr(0, 10) + u32(0xffffffff) + blob.substr(14)));
  add("key length one too long", armor(blob.substr(0, 10) + u32(static_cast<uint32_t>(parts.pubkey.size() + 1)) +
                                       blob.substr(14)));
  add("last length one too long", armor(blob.substr(0, blob.size() - parts.sig_blob().size() - 4) +
                                        u32(static_cast<uint32_t>(parts.sig_blob().size() + 1)) + parts.sig_blob()));
  add("blob truncated by 7 bytes", armor(blob.substr(0, blob.size() - 7)));
  add("blob cut after the magic", armor(blob.substr(0, 6)));
  add("blob with a trailing byte", armor(blob + '\0'));
  add("blob empty", armor(""));

  // The armor text.
  const size_t body = sig.find('\n') + 1;
  std::string changed_char = sig;
  changed_char[body + 80] = changed_char[body + 80] == 'A' ? 'B' : 'A';
  add("one base64 character changed", changed_char);
  add("'!' inside the base64", sig.substr(0, body + 20) + "!" + sig.substr(body + 20));
  add("'=' inside the base64", sig.substr(0, body + 20) + "=" + sig.substr(body + 20));
  add("space inside the base64", sig.substr(0, body + 20) + " " + sig.substr(body + 20));
  add("NUL inside the base64", sig.substr(0, body + 20) + std::string(1, '\0') + sig.substr(body + 20));
  add("text cut in half", sig.substr(0, sig.size() / 2));
  add("END line missing", sig.substr(0, sig.find("-----END")));
  add("END glued to the base64", [&] {
    std::string s = sig;
    s.erase(s.find("\n-----END"), 1);
    return s;
  }());
  add("CRLF line endings", [&] {
    std::string s;
    for (char c : sig) s += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return s;
  }());
  add("CR only inside the base64", [&] {
    std::string s = sig.substr(0, body);
    for (char c : sig.substr(body)) s += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return s;
  }());
  add("base64 on one line", armor(blob, "\n", 100000));
  add("base64 in 76-character lines", armor(blob, "\n", 76));
  add("no newline after END", sig.substr(0, sig.size() - 1));
  add("blank lines after END", sig + "\n\n");
  add("text after END", sig + "hello\n", Expect::Stricter);
  add("NUL after END", sig + std::string(1, '\0'), Expect::Stricter);
  add("second signature after END", sig + sig, Expect::Stricter);
  add("space before BEGIN", " " + sig);
  add("UTF-8 BOM before BEGIN", "\xEF\xBB\xBF" + sig);
  add("lower-case BEGIN", "-----begin ssh signature-----" + sig.substr(sig.find('\n')));
  add("PGP armor", "-----BEGIN PGP SIGNATURE-----" + sig.substr(sig.find('\n')));
  add("header only", "-----BEGIN SSH SIGNATURE-----\n");
  add("empty", "");
  add("100 KiB of base64", "-----BEGIN SSH SIGNATURE-----\n" + std::string(100 << 10, 'A') +
                                "\n-----END SSH SIGNATURE-----\n");
  return cs;
}

}  // namespace

TEST_CASE("fingerprints and key lines match ssh-keygen", "[ssh]") {
  if (!have_ssh_keygen()) {
    WARN("ssh-keygen not installed; skipped");
    return;
  }
  auto& fx = fixtures();
  REQUIRE(fx.keys.size() >= 8);
  for (const auto& k : fx.keys) {
    INFO(k.name);
    const std::string listed = capture("ssh-keygen -lf " + k.path.string() + ".pub");
    std::istringstream fields(listed);
    std::string bits, fingerprint;
    fields >> bits >> fingerprint;
    CHECK(k.pub.fingerprint() == fingerprint);
    CHECK(k.pub.comment == k.name + "@test");
    // The .pub line is "<type> <base64> <comment>\n"; to_line is its first two fields.
    const std::string line = read_file(k.path.string() + ".pub");
    CHECK(line.rfind(k.pub.to_line() + " ", 0) == 0);
    CHECK(parse_public_key(k.pub.to_line()) == k.pub);
    CHECK(parse_public_key(k.pub.to_line()).comment.empty());
  }
}

TEST_CASE("verdicts on ssh-keygen signatures and tampered copies match ssh-keygen", "[ssh]") {
  if (!have_ssh_keygen()) {
    WARN("ssh-keygen not installed; skipped");
    return;
  }
  auto& fx = fixtures();
  Tally tally;
  auto has = [](const Case& c, std::initializer_list<const char*> words) {
    for (const char* w : words) {
      if (c.label.find(w) != std::string::npos) return true;
    }
    return false;
  };
  for (const auto& k : fx.keys) {
    // Keys that are there to be swapped in get the basic cases only.
    const bool partner = k.name == "ed25519-b" || k.name == "ecdsa-256-b" || k.name == "rsa-2048";
    for (const Case& c : variants(fx, k, "")) {
      if (!partner || has(c, {"good", "message changed", "flipped"})) compare(c, k.weak, tally);
    }
    // The sha256 hash variant, on the cases where the hash could matter.
    for (const Case& c : variants(fx, k, "sha256")) {
      if (has(c, {"good", "message", "namespace", "hash label", "flipped"}) &&
          (!partner || has(c, {"good", "message changed", "flipped"}))) {
        compare(c, k.weak, tally);
      }
    }
  }
  // Every case either agrees or is one of the listed deliberate differences.
  CHECK(tally.agreed + tally.stricter == tally.cases);
  CHECK(tally.cases > 400);
}

TEST_CASE("crafted signatures: corners ssh-keygen never writes", "[ssh]") {
  if (!have_ssh_keygen()) {
    WARN("ssh-keygen not installed; skipped");
    return;
  }
  Tally tally;
  const SoftKey ed = SoftKey::ed25519();
  const SoftKey rsa = SoftKey::rsa(2048);
  std::vector<Case> cs;
  auto add = [&](std::string label, const Sshsig& s, const SshPublicKey& trusted) {
    Case c;
    c.label = "crafted: " + label;
    c.armored = s.armored();
    c.trusted = trusted;
    cs.push_back(c);
    return &cs.back();
  };

  // Controls: what we build verifies on both sides.
  add("ed25519 sha512", craft(ed, kMessage), ed.pub);
  add("ed25519 sha256", craft(ed, kMessage, kNs, "sha256"), ed.pub);
  add("rsa-sha2-256", craft(rsa, kMessage, kNs, "sha512", EVP_sha256(), "rsa-sha2-256"), rsa.pub);
  add("rsa-sha2-512", craft(rsa, kMessage), rsa.pub);

  // SHA-1 RSA signatures are refused by both.
  add("ssh-rsa (SHA-1)", craft(rsa, kMessage, kNs, "sha512", EVP_sha1(), "ssh-rsa"), rsa.pub);
  // rsa-sha2-256 label on a SHA-512 signature and the reverse.
  add("rsa-sha2-256 label, SHA-512 signature", craft(rsa, kMessage, kNs, "sha512", EVP_sha512(), "rsa-sha2-256"),
      rsa.pub);

  // An RSA signature shorter than the modulus: OpenSSH pads it with zeros.
  for (int i = 0;; ++i) {
    REQUIRE(i < 5000);
    const std::string message = kMessage + std::to_string(i);
    Sshsig s = craft(rsa, message);
    if (s.raw_sig[0] != '\0') continue;
    Sshsig shorter = s;
    shorter.raw_sig.erase(0, 1);
    add("RSA signature with its leading zero dropped", shorter, rsa.pub)->message = message;
    break;
  }
  {
    Sshsig longer = craft(rsa, kMessage);
    longer.raw_sig.insert(0, 1, '\0');
    add("RSA signature longer than the modulus", longer, rsa.pub);
  }

  // The reserved field is signed as empty; content signed into it fails.
  {
    Sshsig s = craft(ed, kMessage);
    s.reserved = "xyz";
    s.raw_sig = ed.sign_raw(nullptr, signed_data(kNs, "xyz", "sha512", kMessage));
    add("reserved field signed with content", s, ed.pub);
  }
  // Namespaces: empty, with a NUL, with a NUL then the expected one.
  add("empty namespace", craft(ed, kMessage, ""), ed.pub);
  add("namespace with NUL suffix", craft(ed, kMessage, kNs + std::string(1, '\0') + "x"), ed.pub);
  add("namespace with NUL prefix", craft(ed, kMessage, std::string("git") + '\0' + kNs), ed.pub);
  // A properly made SHA-384 SSHSIG: not a hash SSHSIG allows.
  add("hash sha384, signed as such", craft(ed, kMessage, kNs, "sha384"), ed.pub);
  {
    Sshsig s = craft(ed, kMessage);
    s.raw_sig += "x";
    add("Ed25519 signature of 65 bytes", s, ed.pub);
  }
  {
    Sshsig s = craft(ed, kMessage);
    s.pubkey = str("ssh-ed25519") + str(std::string(31, 'k'));
    add("Ed25519 key of 31 bytes", s, ed.pub);
  }
  {
    Sshsig s = craft(ed, kMessage);
    s.sig_type = "ssh-rsa";
    add("Ed25519 signature labelled ssh-rsa", s, ed.pub);
  }
  {
    // A small RSA key below OpenSSH's own minimum: both refuse.
    const SoftKey small = SoftKey::rsa(768);
    add("768-bit RSA key", craft(small, kMessage), small.pub);
  }

  for (const Case& c : cs) compare(c, false, tally);
  CHECK(tally.agreed == tally.cases);
}

TEST_CASE("verdicts carry the right status and a readable reason", "[ssh]") {
  if (!have_ssh_keygen()) {
    WARN("ssh-keygen not installed; skipped");
    return;
  }
  auto& fx = fixtures();
  const Key& ed = fx.key("ed25519");
  const std::string sig = fx.sign(ed, kMessage);

  SignatureCheck good = verify_ssh_signature(sig, kMessage, kNs);
  CHECK(good.status == SignatureStatus::Good);
  CHECK(good.code == "SIGNATURE_GOOD");
  CHECK(good.key == ed.pub);
  CHECK(good.key.fingerprint() == ed.pub.fingerprint());

  SignatureCheck bad = verify_ssh_signature(sig, kMessage + "x", kNs);
  CHECK(bad.status == SignatureStatus::Bad);
  CHECK(bad.code == "SIGNATURE_BAD");
  CHECK(bad.key == ed.pub);  // the key is named even when the signature fails

  SignatureCheck other_ns = verify_ssh_signature(fx.sign(ed, kMessage, "git"), kMessage, kNs);
  CHECK(other_ns.status == SignatureStatus::WrongNamespace);
  CHECK(other_ns.code == "SIGNATURE_NAMESPACE");
  CHECK(other_ns.message.find("\"git\"") != std::string::npos);
  // A forged signature claiming another namespace is bad, not "wrong namespace".
  Sshsig forged = Sshsig::from_armored(sig);
  forged.ns = "git";
  CHECK(verify_ssh_signature(forged.armored(), kMessage, kNs).status == SignatureStatus::Bad);

  std::string crlf;
  for (char c : sig) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  SignatureCheck crlf_check = verify_ssh_signature(crlf, kMessage, kNs);
  CHECK(crlf_check.status == SignatureStatus::Malformed);
  CHECK(crlf_check.code == "SIGNATURE_MALFORMED");
  CHECK(crlf_check.message.find("CRLF") != std::string::npos);

  CHECK(verify_ssh_signature("", kMessage, kNs).status == SignatureStatus::Malformed);
  CHECK(verify_ssh_signature("-----BEGIN SSH SIGNATURE-----\n" + std::string(10 << 20, 'A') +
                                 "\n-----END SSH SIGNATURE-----\n",
                             kMessage, kNs)
            .status == SignatureStatus::Malformed);
  std::string huge = sig.substr(0, sig.size() - 1) + std::string(64 * 1024, '\n');
  CHECK(verify_ssh_signature(huge, kMessage, kNs).message.find("64 KiB") != std::string::npos);

  for (const char* weak : {"dsa", "rsa-1024"}) {
    bool present = false;
    for (const auto& k : fx.keys) present = present || k.name == weak;
    if (!present) continue;
    SignatureCheck w = verify_ssh_signature(fx.sign(fx.key(weak), kMessage), kMessage, kNs);
    CHECK(w.status == SignatureStatus::WeakAlgorithm);
    CHECK(w.code == "SIGNATURE_WEAK");
    CHECK(w.key == fx.key(weak).pub);
  }
  const SoftKey rsa = SoftKey::rsa(2048);
  CHECK(verify_ssh_signature(craft(rsa, kMessage, kNs, "sha512", EVP_sha1(), "ssh-rsa").armored(), kMessage, kNs)
            .status == SignatureStatus::WeakAlgorithm);

  // Security keys and certificates are refused by name, not as bad signatures.
  Sshsig sk = Sshsig::from_armored(sig);
  sk.pubkey = str("sk-ssh-ed25519@openssh.com") + str(std::string(32, 'k')) + str("ssh:");
  sk.sig_type = "sk-ssh-ed25519@openssh.com";
  SignatureCheck sk_check = verify_ssh_signature(sk.armored(), kMessage, kNs);
  CHECK(sk_check.status == SignatureStatus::UnsupportedAlgorithm);
  CHECK(sk_check.code == "SIGNATURE_UNSUPPORTED");
  CHECK(sk_check.message.find("security-key") != std::string::npos);
  Sshsig cert = Sshsig::from_armored(sig);
  cert.pubkey = str("ssh-ed25519-cert-v01@openssh.com") + str("nonce");
  CHECK(verify_ssh_signature(cert.armored(), kMessage, kNs).status == SignatureStatus::UnsupportedAlgorithm);
  Sshsig sha384 = Sshsig::from_armored(sig);
  sha384.hash = "sha384";
  CHECK(verify_ssh_signature(sha384.armored(), kMessage, kNs).status == SignatureStatus::UnsupportedAlgorithm);

  // Text from the signature is escaped in messages.
  Sshsig odd = Sshsig::from_armored(sig);
  odd.ns = "bad\nline\x01";
  CHECK(verify_ssh_signature(odd.armored(), kMessage, kNs).message.find('\n') == std::string::npos);

  try {
    verify_ssh_signature(sig, kMessage, "");
    FAIL("an empty namespace was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::INVALID_PARAMETER_VALUE);
  }
}

TEST_CASE("hostile signature bytes never crash the verifier", "[ssh]") {
  if (!have_ssh_keygen()) {
    WARN("ssh-keygen not installed; skipped");
    return;
  }
  auto& fx = fixtures();
  std::mt19937 rng(20261124);
  for (const char* name : {"ed25519", "rsa-3072", "ecdsa-384"}) {
    const std::string sig = fx.sign(fx.key(name), kMessage);
    const std::string blob = dearmor(sig);
    int good = 0;
    for (int i = 0; i < 3000; ++i) {
      std::string b = blob;
      switch (rng() % 4) {
        case 0: b[rng() % b.size()] = static_cast<char>(rng()); break;            // one byte changed
        case 1: b.resize(rng() % b.size()); break;                                // truncated
        case 2: b.insert(rng() % b.size(), 1, static_cast<char>(rng())); break;   // byte inserted
        case 3: b.replace(rng() % (b.size() - 4), 4, u32(static_cast<uint32_t>(rng()))); break;  // any 4 bytes
      }
      const SignatureCheck c = verify_ssh_signature(armor(b), kMessage, kNs);
      CHECK(!c.code.empty());
      if (c.good()) ++good;
      // And the same bytes as raw text instead of base64.
      verify_ssh_signature("-----BEGIN SSH SIGNATURE-----\n" + b + "\n-----END SSH SIGNATURE-----\n", kMessage, kNs);
    }
    // Only changes inside the ignored reserved field can leave it good, and
    // those are rare.
    CHECK(good < 30);
  }
}

TEST_CASE("public key lines: malformed input is refused with a reason", "[ssh]") {
  const SoftKey ed = SoftKey::ed25519();
  const std::string b64key = b64(ed.pub.blob);
  CHECK(parse_public_key("ssh-ed25519 " + b64key).comment.empty());
  CHECK(parse_public_key("  ssh-ed25519\t" + b64key + "  alice laptop \r\n").comment == "alice laptop");

  auto refused = [](const std::string& line, const std::string& reason) {
    INFO(line.substr(0, 60));
    try {
      parse_public_key(line);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::INVALID_PARAMETER_VALUE);
      CHECK_THAT(e.what(), Catch::Contains(reason));
    }
  };
  refused("", "empty");
  refused("   \n", "empty");
  refused("ssh-ed25519", "no base64");
  refused("ssh-foo " + b64key, "unknown key type");
  refused("ssh-ed25519-cert-v01@openssh.com " + b64key, "certificate");
  refused("ssh-rsa " + b64key, "does not match");
  refused("ssh-ed25519 " + b64key.substr(0, b64key.size() - 2), "base64");
  refused("ssh-ed25519 " + b64key + "!", "base64");
  refused("ssh-ed25519 " + b64(ed.pub.blob + "x"), "trailing");
  refused("ssh-ed25519 " + b64(str("ssh-ed25519") + str("short")), "Ed25519");
  refused("ssh-ed25519 " + b64key + " a\nssh-ed25519 " + b64key, "single line");
  refused("ssh-ed25519 " + b64key + std::string(1, '\0') + "x", "single line");
  // An EC point that is not on P-256.
  std::string point(65, '\x01');
  point[0] = 0x04;
  refused("ecdsa-sha2-nistp256 " + b64(str("ecdsa-sha2-nistp256") + str("nistp256") + str(point)), "curve");
  refused("ecdsa-sha2-nistp256 " + b64(str("ecdsa-sha2-nistp256") + str("nistp384") + str(point)), "curve");
}

TEST_CASE("allowed_signers lines are read as ssh-keygen reads them", "[ssh]") {
  if (!have_ssh_keygen()) {
    WARN("ssh-keygen not installed; skipped");
    return;
  }
  auto& fx = fixtures();
  const Key& ed = fx.key("ed25519");
  const std::string K = ed.pub.to_line();
  const std::string sig = fx.sign(ed, kMessage);
  const std::string p = kPrincipal;

  // Lines ssh-keygen accepts and that let the signature verify for p.
  const std::vector<std::string> accepted = {
      p + " " + K,
      p + " " + K + " a comment with words",
      p + "\t" + K,
      "   " + p + "    " + K,
      p + " " + K + "\r",
      p + " namespaces=\"" + kNs + "\" " + K,
      p + " NAMESPACES=\"mreg-*\" " + K,
      p + " namespaces=\"git,mreg-approval-v1\" " + K,
      p + " valid-after=\"20200101\" " + K,
      p + " valid-after=\"20200101Z\" " + K,
      p + " valid-after=\"202001011200\" " + K,
      p + " Valid-After=\"20200101120000Z\",valid-before=\"29991231\" " + K,
      "bob@example.com," + p + " " + K,
      "*@example.com " + K,
      "\"" + p + "\" " + K,
      p + " namespaces=\"" + kNs + "\",valid-before=\"29990101\" " + K + " comment",
  };
  for (const auto& line : accepted) {
    INFO(line);
    CHECK(fx.ssh_keygen_verify_with(line + "\n", sig, kMessage, kNs));
    std::vector<AllowedSigner> parsed;
    CHECK_NOTHROW(parsed = parse_allowed_signers(line + "\n"));
    REQUIRE(parsed.size() == 1);
    CHECK(parsed[0].key == ed.pub);
  }

  // Lines ssh-keygen refuses as malformed.
  const std::vector<std::string> refused = {
      p + " namespaces=" + kNs + " " + K,                         // unquoted value
      p + " namespaces=\"git\",namespaces=\"" + kNs + "\" " + K,  // repeated option
      p + " valid-after=\"2020010\" " + K,
      p + " valid-after=\"20201301\" " + K,
      p + " valid-after=\"2020010112\" " + K,
      p + " valid-after=\"20200101T1200\" " + K,
      p + " foo " + K,
      p + " cert-authority, namespaces=\"x\" " + K,
      p + " namespaces=\"" + kNs + "\", " + K,
      p + " namespaces=\"" + kNs + " " + K,
      p,
      p + " ssh-ed25519 AAAA",
      p + " ssh-rsa " + b64(ed.pub.blob),
      p + " ssh-ed25519 " + b64(ed.pub.blob) + "=",
  };
  for (const auto& line : refused) {
    INFO(line);
    CHECK_FALSE(fx.ssh_keygen_verify_with(line + "\n", sig, kMessage, kNs));
    CHECK_THROWS_AS(parse_allowed_signers(line + "\n"), Error);
  }

  // Errors name the line.
  try {
    parse_allowed_signers("# signers\n\n" + p + " " + K + "\n" + p + " foo " + K + "\n");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::INVALID_PARAMETER_VALUE);
    CHECK_THAT(e.what(), Catch::Contains("line 4") && Catch::Contains("unknown option"));
  }
}

TEST_CASE("allowed_signers round-trip, and ssh-keygen honours what we write", "[ssh]") {
  if (!have_ssh_keygen()) {
    WARN("ssh-keygen not installed; skipped");
    return;
  }
  auto& fx = fixtures();
  const Key& alice = fx.key("ed25519");
  const Key& bob = fx.key("ecdsa-256");
  const Key& carol = fx.key("rsa-3072");

  const std::string text =
      "# approvers\n"
      "\r\n"
      "alice@example.com,alice@corp.example.com namespaces=\"mreg-approval-v1\" " + alice.pub.to_line() +
      " alice laptop\r\n"
      "  bob@example.com VALID-AFTER=\"20250101\",valid-before=\"20991231235959Z\" " + bob.pub.to_line() + "\n"
      "carol@example.com cert-authority,namespaces=\"git,mreg-*\" " + carol.pub.to_line() + "\n"
      "\"*@example.com\" namespaces=\"\" " + carol.pub.to_line();
  const std::vector<AllowedSigner> parsed = parse_allowed_signers(text);
  REQUIRE(parsed.size() == 4);
  CHECK(parsed[0].principals == std::vector<std::string>{"alice@example.com", "alice@corp.example.com"});
  CHECK(parsed[0].namespaces == std::vector<std::string>{"mreg-approval-v1"});
  CHECK_FALSE(parsed[0].valid_after);
  CHECK(parsed[0].key == alice.pub);
  CHECK(parsed[0].key.comment == "alice laptop");
  CHECK(parsed[1].principals == std::vector<std::string>{"bob@example.com"});
  CHECK(parsed[1].namespaces.empty());
  CHECK(parsed[1].valid_after == std::optional<std::string>("20250101"));
  CHECK(parsed[1].valid_before == std::optional<std::string>("20991231235959Z"));
  CHECK(parsed[1].key == bob.pub);
  CHECK(parsed[2].cert_authority);
  CHECK(parsed[2].namespaces == std::vector<std::string>{"git", "mreg-*"});
  CHECK(parsed[3].principals == std::vector<std::string>{"*@example.com"});
  CHECK(parsed[3].namespaces == std::vector<std::string>{""});

  const std::string formatted = format_allowed_signers(parsed);
  CHECK(formatted.find("alice@example.com,alice@corp.example.com namespaces=\"mreg-approval-v1\" ssh-ed25519 ") == 0);
  const std::vector<AllowedSigner> again = parse_allowed_signers(formatted);
  REQUIRE(again.size() == parsed.size());
  for (size_t i = 0; i < parsed.size(); ++i) {
    INFO("signer " << i);
    CHECK(again[i].principals == parsed[i].principals);
    CHECK(again[i].namespaces == parsed[i].namespaces);
    CHECK(again[i].valid_after == parsed[i].valid_after);
    CHECK(again[i].valid_before == parsed[i].valid_before);
    CHECK(again[i].cert_authority == parsed[i].cert_authority);
    CHECK(again[i].key == parsed[i].key);
    CHECK(again[i].key.comment == parsed[i].key.comment);
  }
  CHECK(format_allowed_signers(again) == formatted);

  // ssh-keygen reads the formatted file and applies each option.
  const std::string a_sig = fx.sign(alice, kMessage), a_git = fx.sign(alice, kMessage, "git");
  const std::string b_sig = fx.sign(bob, kMessage), c_sig = fx.sign(carol, kMessage);
  CHECK(fx.ssh_keygen_verify_with(formatted, a_sig, kMessage, kNs, "alice@example.com"));
  CHECK(fx.ssh_keygen_verify_with(formatted, a_sig, kMessage, kNs, "alice@corp.example.com"));
  CHECK_FALSE(fx.ssh_keygen_verify_with(formatted, a_git, kMessage, "git", "alice@example.com"));  // namespaces
  CHECK_FALSE(fx.ssh_keygen_verify_with(formatted, a_sig, kMessage, kNs, "bob@example.com"));
  CHECK(fx.ssh_keygen_verify_with(formatted, b_sig, kMessage, kNs, "bob@example.com"));
  // A CA key's own signature is not accepted for its principals.
  CHECK_FALSE(fx.ssh_keygen_verify_with(formatted, c_sig, kMessage, kNs, "carol@example.com"));
  // find-principals lists what we wrote for the key.
  write_file(fx.tmp.dir / "formatted", formatted);
  write_file(fx.tmp.dir / "a.sig", a_sig);
  CHECK(capture("ssh-keygen -Y find-principals -f " + (fx.tmp.dir / "formatted").string() + " -s " +
                (fx.tmp.dir / "a.sig").string()) == "alice@example.com\nalice@corp.example.com\n");

  // Validity windows, written by us and enforced by ssh-keygen.
  auto only_bob = [&](std::optional<std::string> after, std::optional<std::string> before) {
    AllowedSigner s;
    s.principals = {"bob@example.com"};
    s.valid_after = after;
    s.valid_before = before;
    s.key = bob.pub;
    return fx.ssh_keygen_verify_with(format_allowed_signers({s}), b_sig, kMessage, kNs, "bob@example.com");
  };
  CHECK(only_bob("20200101", std::nullopt));
  CHECK_FALSE(only_bob("29990101", std::nullopt));
  CHECK_FALSE(only_bob(std::nullopt, "20200101"));
  CHECK(only_bob(std::nullopt, "299901010000Z"));

  // What cannot be written is refused rather than written wrongly.
  auto unwritable = [&](auto change) {
    AllowedSigner s = parsed[0];
    change(s);
    CHECK_THROWS_AS(format_allowed_signers({s}), Error);
  };
  unwritable([](AllowedSigner& s) { s.principals.clear(); });
  unwritable([](AllowedSigner& s) { s.principals = {"alice smith"}; });
  unwritable([](AllowedSigner& s) { s.principals = {"a,b"}; });
  unwritable([](AllowedSigner& s) { s.principals = {"#alice"}; });
  unwritable([](AllowedSigner& s) { s.namespaces = {"a\"b"}; });
  unwritable([](AllowedSigner& s) { s.valid_after = "tomorrow"; });
  unwritable([](AllowedSigner& s) { s.key.comment = "two\nlines"; });
  unwritable([](AllowedSigner& s) { s.key = SshPublicKey{}; });
}
