#include "mreg/sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "mreg/error.h"
#include "mreg/hex.h"

namespace mreg {
namespace {

// Fetched once: OpenSSL 3 looks EVP_sha256() up in its provider tables on every use.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md ? md : EVP_sha256();
}

constexpr std::size_t kSmallInput = 256 * 1024;

}  // namespace

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, sha256_md(), nullptr) != 1)
    throw Error(ErrorCode::INTERNAL_ERROR, "OpenSSL cannot start a SHA-256");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t n) { EVP_DigestUpdate(impl_->ctx, data, n); }

std::string Sha256::binary() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string Sha256::hex() {
  const std::string md = binary();
  return hex_encode(reinterpret_cast<const unsigned char*>(md.data()), md.size());
}

std::string sha256_hex(const std::string& data) {
  // A manifest or a policy file: libsodium's plain C digest, which needs no setup. OpenSSL's
  // first digest loads its providers and configuration (about 5 M instructions, more than the
  // whole of a `resolve`); its SHA-NI code pays that back only on large inputs.
  if (data.size() <= kSmallInput) {
    unsigned char md[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(md, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    return hex_encode(md, sizeof md);
  }
  Sha256 h;
  h.update(data.data(), data.size());
  return h.hex();
}

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(sha256_md(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace mreg
