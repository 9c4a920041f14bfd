// SSHSIG verification with OpenSSL 3 (Ed25519 with libsodium, twice as fast). The wire format is PROTOCOL.sshsig from
// OpenSSH; where the spec leaves room, this follows what ssh-keygen 9.2 does,
// so that a signature ssh-keygen accepts is accepted here (see the header for
// the deliberate exceptions).
#include "mreg/ssh_signature.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "mreg/error.h"
#include "text.h"

namespace mreg {
namespace {

using std::string_view;

// Real signatures are a few KiB at most (a 16384-bit RSA key and signature
// armor to about 5.5 KiB); the cap keeps hostile input cheap.
constexpr size_t kMaxArmoredSize = 64 * 1024;
// OpenSSH refuses bignums over 16384 bits (SSHBUF_MAX_BIGNUM), and so do we.
constexpr size_t kMaxMpintBytes = 2048;
constexpr size_t kMinRsaBits = 2048;

constexpr string_view kBegin = "-----BEGIN SSH SIGNATURE-----\n";
constexpr string_view kEnd = "\n-----END SSH SIGNATURE-----";
constexpr string_view kSshsigMagic = "SSHSIG";
constexpr string_view kCertSuffix = "-cert-v01@openssh.com";

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Text from untrusted input, made safe to show: quoted, non-printable bytes
// escaped, and cut short.
std::string shown_quoted(string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t n = 0;
  for (unsigned char c : s) {
    if (++n > 64) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out + "\"";
}

// ---- base64 -----------------------------------------------------------------

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict base64, as OpenSSH's b64_pton reads it: whitespace is skipped, a
// partial last group needs its '=' padding, only whitespace may follow the
// padding, and the unused bits before the padding must be zero (otherwise one
// signature would have several encodings).
bool base64_decode(string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int sextets = 0;  // in the current group of four
  size_t i = 0;
  for (; i < in.size(); ++i) {
    unsigned char c = in[i];
    if (is_space(c)) continue;
    if (c == '=') break;
    int v = base64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    if (++sextets == 4) {
      out += static_cast<char>(acc >> 16);
      out += static_cast<char>((acc >> 8) & 0xff);
      out += static_cast<char>(acc & 0xff);
      acc = 0;
      sextets = 0;
    }
  }
  if (i == in.size()) return sextets == 0;
  if (sextets < 2) return false;
  const int pads_needed = 4 - sextets;
  int pads = 0;
  for (; i < in.size(); ++i) {
    unsigned char c = in[i];
    if (is_space(c)) continue;
    if (c != '=' || pads == pads_needed) return false;
    ++pads;
  }
  if (pads != pads_needed) return false;
  if (sextets == 2) {
    if (acc & 0xf) return false;
    out += static_cast<char>(acc >> 4);
  } else {
    if (acc & 0x3) return false;
    out += static_cast<char>(acc >> 10);
    out += static_cast<char>((acc >> 2) & 0xff);
  }
  return true;
}

std::string base64_encode(string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

// ---- SSH wire format (RFC 4251) ---------------------------------------------

// Reads from a byte string without ever going past its end; every length is
// checked against what is left, so no length can overflow or over-read.
class WireReader {
 public:
  explicit WireReader(string_view data) : rest_(data) {}
  bool u32(uint32_t& v) {
    if (rest_.size() < 4) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(rest_.data());
    v = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
    rest_.remove_prefix(4);
    return true;
  }
  bool bytes(size_t n, string_view& out) {
    if (rest_.size() < n) return false;
    out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  bool string(string_view& out) {
    uint32_t len = 0;
    return u32(len) && bytes(len, out);
  }
  // A non-negative mpint, returned as its magnitude without leading zeros.
  // Like OpenSSH, refuses negative values and values over 16384 bits.
  bool mpint(string_view& magnitude) {
    string_view s;
    if (!string(s)) return false;
    if (!s.empty() && (static_cast<unsigned char>(s[0]) & 0x80)) return false;
    while (!s.empty() && s[0] == '\0') s.remove_prefix(1);
    if (s.size() > kMaxMpintBytes) return false;
    magnitude = s;
    return true;
  }
  bool done() const { return rest_.empty(); }

 private:
  string_view rest_;
};

void put_string(std::string& out, string_view s) {
  const auto n = static_cast<uint32_t>(s.size());
  out += static_cast<char>(n >> 24);
  out += static_cast<char>((n >> 16) & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  out += static_cast<char>(n & 0xff);
  out.append(s.data(), s.size());
}

// ---- OpenSSL helpers --------------------------------------------------------

// Set when a verification goes through OpenSSL (every key type but Ed25519, which libsodium checks).
thread_local bool openssl_used_on_this_thread = false;

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct PkeyCtxFree { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const { BN_free(p); } };
struct ParamBldFree { void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); } };
struct ParamFree { void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); } };
struct EcdsaSigFree { void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); } };
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using Params = std::unique_ptr<OSSL_PARAM, ParamFree>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

const unsigned char* bytes_of(string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Bn to_bn(string_view magnitude) {
  return Bn(BN_bin2bn(bytes_of(magnitude), static_cast<int>(magnitude.size()), nullptr));
}

// The provider's implementation of a digest, fetched once: OpenSSL 3 looks a legacy
// EVP_sha512() up in its provider tables on every use, which cost more than the
// hashing of a small payload.
const EVP_MD* fetched(const EVP_MD* md) {
  if (!md) return nullptr;
  static std::mutex mutex;
  static std::map<std::string, EVP_MD*> cache;  // kept for the life of the process
  std::lock_guard<std::mutex> lock(mutex);
  const std::string name = EVP_MD_get0_name(md);
  auto it = cache.find(name);
  if (it == cache.end()) {
    EVP_MD* f = EVP_MD_fetch(nullptr, name.c_str(), nullptr);
    if (!f) return md;
    it = cache.emplace(name, f).first;
  }
  return it->second;
}

std::string digest(const EVP_MD* md, string_view data) {
  // SHA-256 and SHA-512 with libsodium: OpenSSL's first digest in a process loads its providers
  // and configuration, which costs more than verifying an Ed25519 signature (bench/verify).
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (md == EVP_sha256()) {
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(out, bytes, data.size());
    return std::string(reinterpret_cast<char*>(out), sizeof out);
  }
  if (md == EVP_sha512()) {
    unsigned char out[crypto_hash_sha512_BYTES];
    crypto_hash_sha512(out, bytes, data.size());
    return std::string(reinterpret_cast<char*>(out), sizeof out);
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, fetched(md), nullptr) != 1) {
    throw Error(ErrorCode::INTERNAL_ERROR, "OpenSSL digest failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

// A public key from OSSL_PARAMs (the OpenSSL 3 way; the RSA_* and EC_KEY_*
// setters are deprecated).
Pkey pkey_fromdata(const char* type, OSSL_PARAM_BLD* bld) {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return Pkey(pkey);
}

// True only when OpenSSL says the signature verifies (1); 0 and errors are "no".
bool digest_verify(EVP_PKEY* pkey, const EVP_MD* md, string_view sig, string_view data) {
  MdCtx ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, fetched(md), nullptr, pkey) == 1 &&
         EVP_DigestVerify(ctx.get(), bytes_of(sig), sig.size(), bytes_of(data), data.size()) == 1;
}

// ---- keys -------------------------------------------------------------------

struct Curve {
  string_view key_type, curve_name;
  const char* openssl_group;
  size_t point_size;  // uncompressed: 0x04 || X || Y
  const EVP_MD* (*md)();
};
const Curve kCurves[] = {
    {"ecdsa-sha2-nistp256", "nistp256", "P-256", 65, EVP_sha256},
    {"ecdsa-sha2-nistp384", "nistp384", "P-384", 97, EVP_sha384},
    {"ecdsa-sha2-nistp521", "nistp521", "P-521", 133, EVP_sha512},
};
const Curve* curve_by_name(string_view curve_name) {
  for (const auto& c : kCurves) {
    if (c.curve_name == curve_name) return &c;
  }
  return nullptr;
}

enum class KeyKind { Ed25519, Rsa, Ecdsa, Dsa, SkEd25519, SkEcdsa };

// A key blob taken apart; the views point into the blob.
struct KeyParts {
  KeyKind kind{};
  std::string algorithm;
  string_view ed25519;        // 32 bytes
  string_view rsa_e, rsa_n;   // magnitudes
  const Curve* curve = nullptr;
  string_view ec_point;
};

enum class KeyParse { Ok, Malformed, Unsupported };

bool known_key_type(string_view t) {
  return t == "ssh-ed25519" || t == "ssh-rsa" || t == "ssh-dss" || t == "sk-ssh-ed25519@openssh.com" ||
         t == "sk-ecdsa-sha2-nistp256@openssh.com" || t == "ecdsa-sha2-nistp256" ||
         t == "ecdsa-sha2-nistp384" || t == "ecdsa-sha2-nistp521";
}

// Reads the EC part shared by ecdsa-* and sk-ecdsa-*: string curve, string Q.
bool read_ec(WireReader& r, string_view key_type_curve, KeyParts& out, std::string& why) {
  string_view curve_name;
  if (!r.string(curve_name) || !r.string(out.ec_point)) {
    why = "truncated EC key";
    return false;
  }
  out.curve = curve_by_name(curve_name);
  if (!out.curve || curve_name != key_type_curve) {
    why = "EC key's curve " + shown_quoted(curve_name) + " does not match its type";
    return false;
  }
  // Only uncompressed points, as OpenSSH writes and accepts them.
  if (out.ec_point.size() != out.curve->point_size || out.ec_point[0] != 0x04) {
    why = "EC public point is not an uncompressed " + std::string(curve_name) + " point";
    return false;
  }
  return true;
}

// Takes a key blob apart and checks its structure. Cryptographic validity (EC
// points on the curve) is checked by make_pkey.
KeyParse parse_key_blob(string_view blob, KeyParts& out, std::string& why) {
  WireReader r(blob);
  string_view type;
  if (!r.string(type)) {
    why = "key blob is truncated";
    return KeyParse::Malformed;
  }
  out.algorithm = std::string(type);
  if (ends_with(type, kCertSuffix)) {
    why = "certificate keys (" + shown_quoted(type) + ") are not supported";
    return KeyParse::Unsupported;
  }
  string_view ignored;
  bool ok = false;
  if (type == "ssh-ed25519" || type == "sk-ssh-ed25519@openssh.com") {
    out.kind = type == "ssh-ed25519" ? KeyKind::Ed25519 : KeyKind::SkEd25519;
    ok = r.string(out.ed25519) && out.ed25519.size() == 32;
    if (ok && out.kind == KeyKind::SkEd25519) ok = r.string(ignored);  // application
    if (!ok) why = "bad Ed25519 key";
  } else if (type == "ssh-rsa") {
    out.kind = KeyKind::Rsa;
    ok = r.mpint(out.rsa_e) && r.mpint(out.rsa_n);
    if (!ok) why = "bad RSA key";
  } else if (type == "ssh-dss") {
    out.kind = KeyKind::Dsa;
    ok = r.mpint(ignored) && r.mpint(ignored) && r.mpint(ignored) && r.mpint(ignored);  // p q g y
    if (!ok) why = "bad DSA key";
  } else if (type == "sk-ecdsa-sha2-nistp256@openssh.com") {
    out.kind = KeyKind::SkEcdsa;
    ok = read_ec(r, "nistp256", out, why) && r.string(ignored);  // application
    if (!ok && why.empty()) why = "bad security-key ECDSA key";
  } else if (type.substr(0, 11) == "ecdsa-sha2-") {
    out.kind = KeyKind::Ecdsa;
    const Curve* want = nullptr;
    for (const auto& c : kCurves) {
      if (c.key_type == type) want = &c;
    }
    if (!want) {
      why = "unknown key type " + shown_quoted(type);
      return KeyParse::Unsupported;
    }
    ok = read_ec(r, want->curve_name, out, why);
  } else {
    why = "unknown key type " + shown_quoted(type);
    return KeyParse::Unsupported;
  }
  if (!ok) return KeyParse::Malformed;
  if (!r.done()) {
    why = "trailing bytes after the " + std::string(type) + " key";
    return KeyParse::Malformed;
  }
  return KeyParse::Ok;
}

// An OpenSSL key for the kinds we verify (Ed25519, RSA, ECDSA); null if
// OpenSSL refuses it, e.g. an EC point that is not on its curve.
Pkey make_pkey(const KeyParts& k) {
  switch (k.kind) {
    case KeyKind::Ed25519:
      return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes_of(k.ed25519), k.ed25519.size()));
    case KeyKind::Rsa: {
      Bn n = to_bn(k.rsa_n), e = to_bn(k.rsa_e);
      ParamBld bld(OSSL_PARAM_BLD_new());
      if (!n || !e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
          OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
        return nullptr;
      }
      return pkey_fromdata("RSA", bld.get());
    }
    case KeyKind::Ecdsa: {
      ParamBld bld(OSSL_PARAM_BLD_new());
      if (!bld ||
          OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, k.curve->openssl_group, 0) != 1 ||
          OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, k.ec_point.data(),
                                           k.ec_point.size()) != 1) {
        return nullptr;
      }
      Pkey pkey = pkey_fromdata("EC", bld.get());
      if (!pkey) return nullptr;
      // fromdata already decodes the point; the explicit check makes "on the
      // curve and in the right subgroup" a stated requirement.
      PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
      if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
      return pkey;
    }
    default:
      return nullptr;
  }
}

// make_pkey, remembered by the key's blob: a verify checks many signatures by few keys,
// and OpenSSL 3 makes a key through its provider tables each time.
Pkey cached_pkey(const std::string& blob, const KeyParts& k) {
  static std::mutex mutex;
  static std::map<std::string, Pkey> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(blob);
  if (it == cache.end()) {
    Pkey made = make_pkey(k);
    if (!made) return nullptr;
    if (cache.size() >= 256) cache.clear();  // many keys: bounded, not faster
    it = cache.emplace(blob, std::move(made)).first;
  }
  if (EVP_PKEY_up_ref(it->second.get()) != 1) return nullptr;
  return Pkey(it->second.get());
}

size_t bit_length(string_view magnitude) {
  if (magnitude.empty()) return 0;
  size_t bits = (magnitude.size() - 1) * 8;
  for (auto top = static_cast<unsigned char>(magnitude[0]); top; top >>= 1) ++bits;
  return bits;
}

// ---- verdicts ---------------------------------------------------------------

const char* status_code(SignatureStatus s) {
  switch (s) {
    case SignatureStatus::Good: return "SIGNATURE_GOOD";
    case SignatureStatus::Bad: return "SIGNATURE_BAD";
    case SignatureStatus::Malformed: return "SIGNATURE_MALFORMED";
    case SignatureStatus::WrongNamespace: return "SIGNATURE_NAMESPACE";
    case SignatureStatus::WeakAlgorithm: return "SIGNATURE_WEAK";
    case SignatureStatus::UnsupportedAlgorithm: return "SIGNATURE_UNSUPPORTED";
  }
  return "SIGNATURE_MALFORMED";
}

SignatureCheck verdict(SignatureStatus s, std::string message, SshPublicKey key = {}) {
  SignatureCheck c;
  c.status = s;
  c.code = status_code(s);
  c.message = std::move(message);
  c.key = std::move(key);
  return c;
}

// The base64 between the armor lines, read as ssh-keygen's sshsig_dearmor reads
// it, except that only whitespace may follow the END line.
bool dearmor(const std::string& text, std::string& blob, std::string& why) {
  if (text.compare(0, kBegin.size(), kBegin) != 0) {
    if (text.compare(0, kBegin.size() - 1, kBegin.substr(0, kBegin.size() - 1)) == 0 &&
        text.size() >= kBegin.size() && text[kBegin.size() - 1] == '\r') {
      why = "signature has CRLF line endings; SSH signatures use LF";
    } else {
      why = "signature does not start with \"-----BEGIN SSH SIGNATURE-----\"";
    }
    return false;
  }
  const size_t end = text.find(kEnd, kBegin.size());
  if (end == std::string::npos) {
    why = "signature has no \"-----END SSH SIGNATURE-----\" line";
    return false;
  }
  for (size_t i = end + kEnd.size(); i < text.size(); ++i) {
    if (!is_space(static_cast<unsigned char>(text[i]))) {
      why = "unexpected data after \"-----END SSH SIGNATURE-----\"";
      return false;
    }
  }
  if (!base64_decode(string_view(text).substr(kBegin.size(), end - kBegin.size()), blob)) {
    why = "signature is not valid base64";
    return false;
  }
  return true;
}

// Checks the signature blob (string sig_type, string sig_bytes) against the
// key and the signed data. Returns Good or the reason it is not.
SignatureCheck verify_signature_blob(const KeyParts& key, const SshPublicKey& signer, string_view sig_blob,
                                     const std::string& signed_data) {
  WireReader r(sig_blob);
  string_view sig_type, sig;
  if (!r.string(sig_type) || !r.string(sig) || !r.done()) {
    return verdict(SignatureStatus::Malformed, "bad signature blob", signer);
  }
  auto mismatch = [&] {
    return verdict(SignatureStatus::Malformed,
                   "signature algorithm " + shown_quoted(sig_type) + " does not match key type " + key.algorithm, signer);
  };
  const EVP_MD* md = nullptr;
  std::string sig_for_openssl(sig);
  if (key.kind != KeyKind::Ed25519) openssl_used_on_this_thread = true;
  switch (key.kind) {
    case KeyKind::Ed25519:
      if (sig_type != "ssh-ed25519") return mismatch();
      if (sig.size() != 64) return verdict(SignatureStatus::Malformed, "Ed25519 signature is not 64 bytes", signer);
      md = nullptr;  // pure EdDSA: the data goes in whole, no pre-hash
      break;
    case KeyKind::Rsa: {
      const size_t bits = bit_length(key.rsa_n);
      if (bits < kMinRsaBits) {
        return verdict(SignatureStatus::WeakAlgorithm,
                       "RSA key of " + std::to_string(bits) + " bits; at least 2048 are required", signer);
      }
      if (sig_type == "ssh-rsa") {
        return verdict(SignatureStatus::WeakAlgorithm, "ssh-rsa signatures use SHA-1; use rsa-sha2-256 or rsa-sha2-512",
                       signer);
      }
      if (sig_type == "rsa-sha2-256") {
        md = EVP_sha256();
      } else if (sig_type == "rsa-sha2-512") {
        md = EVP_sha512();
      } else {
        return mismatch();
      }
      // OpenSSL wants the signature exactly as long as the modulus; OpenSSH
      // left-pads shorter ones with zeros, so do the same.
      const size_t modlen = key.rsa_n.size();
      if (sig.empty() || sig.size() > modlen) {
        return verdict(SignatureStatus::Malformed, "RSA signature length does not fit the key", signer);
      }
      sig_for_openssl.insert(0, modlen - sig.size(), '\0');
      break;
    }
    case KeyKind::Ecdsa: {
      if (sig_type != key.algorithm) return mismatch();
      // SSH carries (r, s) as two mpints; OpenSSL wants a DER ECDSA-Sig-Value.
      WireReader rs(sig);
      string_view r_mag, s_mag;
      if (!rs.mpint(r_mag) || !rs.mpint(s_mag) || !rs.done()) {
        return verdict(SignatureStatus::Malformed, "bad ECDSA signature (r, s)", signer);
      }
      EcdsaSig es(ECDSA_SIG_new());
      Bn r_bn = to_bn(r_mag), s_bn = to_bn(s_mag);
      if (!es || !r_bn || !s_bn || ECDSA_SIG_set0(es.get(), r_bn.get(), s_bn.get()) != 1) {
        throw Error(ErrorCode::INTERNAL_ERROR, "OpenSSL could not build an ECDSA signature");
      }
      r_bn.release();  // owned by es now
      s_bn.release();
      const int der_len = i2d_ECDSA_SIG(es.get(), nullptr);
      if (der_len <= 0) return verdict(SignatureStatus::Malformed, "bad ECDSA signature (r, s)", signer);
      sig_for_openssl.assign(static_cast<size_t>(der_len), '\0');
      auto* p = reinterpret_cast<unsigned char*>(sig_for_openssl.data());
      i2d_ECDSA_SIG(es.get(), &p);
      md = key.curve->md();
      break;
    }
    default:
      return verdict(SignatureStatus::UnsupportedAlgorithm, "unsupported key type " + key.algorithm, signer);
  }
  if (key.kind == KeyKind::Ed25519) {
    // libsodium is stricter than ssh-keygen only for keys and signatures that no real signer makes
    // (a public key or R of small order, a non-canonical encoding): refusing them is safe.
    static const bool ready = sodium_init() >= 0;
    if (!ready) throw Error(ErrorCode::INTERNAL_ERROR, "libsodium could not be initialised");
    if (crypto_sign_verify_detached(bytes_of(sig), bytes_of(signed_data), signed_data.size(), bytes_of(key.ed25519)) != 0)
      return verdict(SignatureStatus::Bad, "signature does not verify with key " + signer.fingerprint(), signer);
    return verdict(SignatureStatus::Good, "", signer);
  }
  Pkey pkey = cached_pkey(signer.blob, key);
  if (!pkey) return verdict(SignatureStatus::Malformed, "the signer's " + key.algorithm + " key is invalid", signer);
  if (!digest_verify(pkey.get(), md, sig_for_openssl, signed_data)) {
    return verdict(SignatureStatus::Bad, "signature does not verify with key " + signer.fingerprint(), signer);
  }
  return verdict(SignatureStatus::Good, "", signer);
}

SignatureCheck verify_impl(const std::string& armored, const std::string& message, const std::string& ns) {
  using S = SignatureStatus;
  if (armored.size() > kMaxArmoredSize) return verdict(S::Malformed, "signature is larger than 64 KiB");
  std::string blob, why;
  if (!dearmor(armored, blob, why)) return verdict(S::Malformed, why);

  WireReader r(blob);
  string_view magic, pub, sig_ns, reserved, hash_alg, sig_blob;
  uint32_t version = 0;
  if (!r.bytes(kSshsigMagic.size(), magic) || magic != kSshsigMagic) return verdict(S::Malformed, "not an SSHSIG signature");
  if (!r.u32(version)) return verdict(S::Malformed, "signature is truncated");
  // Only version 1 exists; ssh-keygen also lets 0 through, we do not.
  if (version != 1) return verdict(S::Malformed, "unsupported SSHSIG version " + std::to_string(version));
  if (!r.string(pub) || !r.string(sig_ns) || !r.string(reserved) || !r.string(hash_alg) || !r.string(sig_blob)) {
    return verdict(S::Malformed, "signature is truncated or has a bad length");
  }
  if (!r.done()) return verdict(S::Malformed, "trailing data inside the signature");
  // PROTOCOL.sshsig: the namespace MUST NOT be empty.
  if (sig_ns.empty()) return verdict(S::Malformed, "the signature's namespace is empty");
  // ssh-keygen reads these as C strings and refuses embedded NULs.
  if (sig_ns.find('\0') != string_view::npos || hash_alg.find('\0') != string_view::npos) {
    return verdict(S::Malformed, "NUL byte in the signature's namespace or hash algorithm");
  }

  KeyParts key;
  switch (parse_key_blob(pub, key, why)) {
    case KeyParse::Ok: break;
    case KeyParse::Malformed: return verdict(S::Malformed, "signer's key: " + why);
    case KeyParse::Unsupported: return verdict(S::UnsupportedAlgorithm, "signer's key: " + why);
  }
  const SshPublicKey signer{key.algorithm, std::string(pub), ""};
  if (key.kind == KeyKind::Dsa) return verdict(S::WeakAlgorithm, "DSA (ssh-dss) keys are not accepted", signer);
  if (key.kind == KeyKind::SkEd25519 || key.kind == KeyKind::SkEcdsa) {
    return verdict(S::UnsupportedAlgorithm, "security-key (" + key.algorithm + ") signatures are not supported", signer);
  }

  const EVP_MD* hash_md = hash_alg == "sha256" ? EVP_sha256() : hash_alg == "sha512" ? EVP_sha512() : nullptr;
  if (!hash_md) {
    return verdict(S::UnsupportedAlgorithm, "unsupported hash algorithm " + shown_quoted(hash_alg), signer);
  }

  // What the signer signed. It names the signature's own namespace, so a
  // valid signature for another namespace can be told apart from a forgery.
  // The reserved field is signed as empty whatever the blob holds: that is
  // what ssh-keygen signs and verifies.
  std::string signed_data(kSshsigMagic);
  put_string(signed_data, sig_ns);
  put_string(signed_data, "");
  put_string(signed_data, hash_alg);
  put_string(signed_data, digest(hash_md, message));

  SignatureCheck check = verify_signature_blob(key, signer, sig_blob, signed_data);
  if (!check.good()) return check;
  if (sig_ns != ns) {
    return verdict(S::WrongNamespace,
                   "signature is for namespace " + shown_quoted(sig_ns) + ", expected " + shown_quoted(ns), signer);
  }
  return verdict(S::Good, "good signature by " + signer.fingerprint(), signer);
}

// ---- allowed_signers --------------------------------------------------------

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

bool iequals_prefix(const std::string& s, size_t at, string_view word) {
  if (s.size() - at < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = s[at + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

// YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, optionally followed by Z: the forms
// ssh-keygen's parse_absolute_time accepts.
bool valid_time(std::string t) {
  if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) t.pop_back();
  if (t.size() != 8 && t.size() != 12 && t.size() != 14) return false;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
  }
  auto field = [&](size_t at) { return (t[at] - '0') * 10 + (t[at + 1] - '0'); };
  if (field(4) < 1 || field(4) > 12 || field(6) < 1 || field(6) > 31) return false;
  if (t.size() >= 12 && (field(8) > 23 || field(10) > 59)) return false;
  if (t.size() == 14 && field(12) > 59) return false;
  return true;
}

// A quoted option value starting at line[i]; `\"` stands for a quote, as in
// OpenSSH's opt_dequote. Leaves i after the closing quote.
std::string dequote(const std::string& line, size_t& i, const char* option) {
  if (i >= line.size() || line[i] != '"') throw_invalid(std::string(option) + " value must be in double quotes");
  std::string value;
  for (++i; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '"') ++i;
    value += line[i];
  }
  if (i >= line.size()) throw_invalid(std::string(option) + " value has no closing quote");
  ++i;
  return value;
}

// Options between the principals and the key, as ssh-keygen's sshsigopt_parse
// reads them: comma-separated, names case-insensitive, no spaces outside quotes.
void parse_options(const std::string& line, size_t& i, AllowedSigner& s) {
  bool seen_namespaces = false;
  while (true) {
    if (iequals_prefix(line, i, "cert-authority")) {
      s.cert_authority = true;
      i += std::strlen("cert-authority");
    } else if (iequals_prefix(line, i, "namespaces=")) {
      if (seen_namespaces) throw_invalid("more than one namespaces option");
      seen_namespaces = true;
      i += std::strlen("namespaces=");
      s.namespaces = split_commas(dequote(line, i, "namespaces"));
    } else if (iequals_prefix(line, i, "valid-after=") || iequals_prefix(line, i, "valid-before=")) {
      const bool after = iequals_prefix(line, i, "valid-after=");
      const char* name = after ? "valid-after" : "valid-before";
      auto& slot = after ? s.valid_after : s.valid_before;
      if (slot) throw_invalid(std::string("more than one ") + name + " option");
      i += std::strlen(name) + 1;
      std::string value = dequote(line, i, name);
      if (!valid_time(value)) throw_invalid(std::string("invalid ") + name + " time " + shown_quoted(value));
      slot = value;
    } else {
      size_t end = line.find_first_of(" \t,", i);
      throw_invalid("unknown option " + shown_quoted(string_view(line).substr(i, end == std::string::npos ? end : end - i)));
    }
    if (i == line.size() || is_blank(line[i])) return;
    if (line[i] != ',') throw_invalid("unknown option text " + shown_quoted(string_view(line).substr(i, 20)));
    ++i;
    if (i == line.size() || is_blank(line[i])) throw_invalid("options end with a comma");
  }
}

std::optional<AllowedSigner> parse_signer_line(const std::string& line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string::npos || line[i] == '#') return std::nullopt;
  if (line.find('\0') != std::string::npos) throw_invalid("NUL byte in line");

  AllowedSigner s;
  std::string principals;
  if (line[i] == '"') {
    size_t close = line.find('"', i + 1);
    if (close == std::string::npos) throw_invalid("principals have no closing quote");
    principals = line.substr(i + 1, close - i - 1);
    i = close + 1;
    if (i < line.size() && !is_blank(line[i])) throw_invalid("text right after the quoted principals");
  } else {
    size_t end = std::min(line.find_first_of(" \t", i), line.size());
    principals = line.substr(i, end - i);
    i = end;
    if (principals.find('"') != std::string::npos) throw_invalid("quote inside the principals");
    if (known_key_type(principals)) throw_invalid("missing principals before the key");
  }
  s.principals = split_commas(principals);
  for (const auto& p : s.principals) {
    if (p.empty()) throw_invalid("empty principal in " + shown_quoted(principals));
  }

  i = line.find_first_not_of(" \t", i);
  if (i == std::string::npos) throw_invalid("missing key");
  const size_t token_end = std::min(line.find_first_of(" \t", i), line.size());
  if (!known_key_type(string_view(line).substr(i, token_end - i))) {
    parse_options(line, i, s);
    i = line.find_first_not_of(" \t", i);
    if (i == std::string::npos) throw_invalid("missing key");
  }
  s.key = parse_public_key(line.substr(i));
  return s;
}

void check_writable(const std::string& text, const char* what, const char* forbidden) {
  if (text.find_first_of(forbidden) != std::string::npos || text.find('\0') != std::string::npos) {
    throw_invalid(std::string(what) + " " + shown_quoted(text) + " cannot be written to allowed_signers");
  }
}

}  // namespace

// ---- public API ---------------------------------------------------------------

std::string SshPublicKey::fingerprint() const {
  std::string b64 = base64_encode(digest(EVP_sha256(), blob));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

std::string SshPublicKey::to_line() const { return algorithm + " " + base64_encode(blob); }

bool operator==(const SshPublicKey& a, const SshPublicKey& b) { return a.blob == b.blob; }
bool operator!=(const SshPublicKey& a, const SshPublicKey& b) { return !(a == b); }

SshPublicKey parse_public_key(const std::string& text) {
  // One line; a trailing line break (as read from a .pub file) is fine.
  const size_t stop = text.find_first_of(std::string("\n\0", 2));
  if (stop != std::string::npos && text.find_first_not_of(" \t\r\n", stop) != std::string::npos) {
    throw_invalid("public key must be a single line of text");
  }
  const std::string line = text.substr(0, stop);
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string::npos || is_space(static_cast<unsigned char>(line[i]))) throw_invalid("empty public key");
  size_t type_end = std::min(line.find_first_of(" \t\r\n", i), line.size());
  const std::string type = line.substr(i, type_end - i);
  if (ends_with(type, kCertSuffix)) throw_invalid("certificate keys (" + shown_quoted(type) + ") are not supported");
  if (!known_key_type(type)) throw_invalid("unknown key type " + shown_quoted(type));

  size_t b64_start = line.find_first_not_of(" \t", type_end);
  if (b64_start == std::string::npos || is_space(static_cast<unsigned char>(line[b64_start]))) {
    throw_invalid(type + " key has no base64 data");
  }
  size_t b64_end = std::min(line.find_first_of(" \t\r\n", b64_start), line.size());
  SshPublicKey key;
  key.algorithm = type;
  if (!base64_decode(string_view(line).substr(b64_start, b64_end - b64_start), key.blob) || key.blob.empty()) {
    throw_invalid(type + " key is not valid base64");
  }
  KeyParts parts;
  std::string why;
  if (parse_key_blob(key.blob, parts, why) != KeyParse::Ok) throw_invalid(why);
  if (parts.algorithm != type) {
    throw_invalid("key type " + type + " does not match the key's own type " + shown_quoted(parts.algorithm));
  }
  if (parts.kind == KeyKind::Ecdsa && !make_pkey(parts)) {
    ERR_clear_error();
    throw_invalid(type + " public point is not on its curve");
  }

  size_t c = line.find_first_not_of(" \t", b64_end);
  if (c != std::string::npos) {
    size_t c_end = line.find_last_not_of(" \t\r\n");
    if (c_end != std::string::npos && c_end >= c) key.comment = line.substr(c, c_end - c + 1);
  }
  return key;
}

namespace {
// Verdicts by their inputs, for the life of the process: a verify checks each signature once
// however many times it is read, and prefetch_ssh_signatures can check them on another thread
// before they are asked for. A verdict depends on nothing but its inputs.
class VerdictMemo {
 public:
  std::optional<SignatureCheck> find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = verdicts_.find(key);
    if (it == verdicts_.end()) return std::nullopt;
    return it->second;
  }
  void keep(std::string key, const SignatureCheck& check) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (verdicts_.size() >= kMaxVerdicts) verdicts_.clear();  // bounded, not faster
    verdicts_.emplace(std::move(key), check);
  }

 private:
  static constexpr size_t kMaxVerdicts = 200000;
  std::mutex mutex_;
  std::unordered_map<std::string, SignatureCheck> verdicts_;
};

VerdictMemo& verdict_memo() {
  static VerdictMemo memo;
  return memo;
}

std::string memo_key(const std::string& armored, const std::string& message, const std::string& ns) {
  std::string key;
  key.reserve(ns.size() + armored.size() + message.size() + 24);
  for (const std::string* part : {&ns, &armored}) key.append(std::to_string(part->size())).append(1, ':').append(*part);
  return key.append(message);
}
}  // namespace

SignatureCheck verify_ssh_signature(const std::string& armored, const std::string& message,
                                    const std::string& namespace_) {
  if (namespace_.empty()) throw_invalid("the namespace to verify a signature for must not be empty");
  std::string key = memo_key(armored, message, namespace_);
  if (auto known = verdict_memo().find(key)) return *known;
  SignatureCheck check = verify_impl(armored, message, namespace_);
  // Failed OpenSSL calls leave errors queued on this thread; do not let them
  // leak into unrelated code that inspects the queue later. (Only when OpenSSL ran: the first
  // ERR_ call of a process loads OpenSSL's error strings, about 0.9 M instructions.)
  if (openssl_used_on_this_thread) ERR_clear_error();
  openssl_used_on_this_thread = false;
  verdict_memo().keep(std::move(key), check);
  return check;
}

std::vector<AllowedSigner> parse_allowed_signers(const std::string& text) {
  std::vector<AllowedSigner> out;
  size_t pos = 0;
  for (size_t line_number = 1; pos <= text.size(); ++line_number) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    try {
      if (auto signer = parse_signer_line(line)) out.push_back(std::move(*signer));
    } catch (const Error& e) {
      throw_invalid("allowed_signers line " + std::to_string(line_number) + ": " + e.what());
    }
  }
  return out;
}

std::string format_allowed_signers(const std::vector<AllowedSigner>& signers) {
  std::string out;
  for (const auto& s : signers) {
    if (s.principals.empty()) throw_invalid("an allowed signer needs at least one principal");
    std::string principals;
    for (const auto& p : s.principals) {
      if (p.empty()) throw_invalid("empty principal cannot be written to allowed_signers");
      check_writable(p, "principal", " \t\r\n,\"");
      principals += (principals.empty() ? "" : ",") + p;
    }
    // A leading '#' would turn the line into a comment.
    if (principals[0] == '#') throw_invalid("principal " + shown_quoted(principals) + " cannot start with '#'");
    out += principals;

    std::vector<std::string> options;
    if (s.cert_authority) options.push_back("cert-authority");
    if (!s.namespaces.empty()) {
      std::string list;
      for (size_t i = 0; i < s.namespaces.size(); ++i) {
        check_writable(s.namespaces[i], "namespace", "\r\n,\"");
        list += (i ? "," : "") + s.namespaces[i];
      }
      options.push_back("namespaces=\"" + list + "\"");
    }
    auto time_option = [&](const char* name, const std::optional<std::string>& value) {
      if (!value) return;
      if (!valid_time(*value)) throw_invalid(std::string("invalid ") + name + " time " + shown_quoted(*value));
      options.push_back(std::string(name) + "=\"" + *value + "\"");
    };
    time_option("valid-after", s.valid_after);
    time_option("valid-before", s.valid_before);
    for (size_t i = 0; i < options.size(); ++i) out += (i ? "," : " ") + options[i];

    if (s.key.blob.empty() || !known_key_type(s.key.algorithm)) {
      throw_invalid("allowed signer " + shown_quoted(principals) + " has no valid key");
    }
    out += " " + s.key.to_line();
    if (!s.key.comment.empty()) {
      check_writable(s.key.comment, "comment", "\r\n");
      out += " " + s.key.comment;
    }
    out += "\n";
  }
  return out;
}

}  // namespace mreg
