#include "mreg/content_hash.h"

#include <blake3.h>

#include <algorithm>
#include <variant>

#include "mreg/hex.h"
#include "mreg/sha256.h"

namespace mreg {

const char* digest_algorithm_name(DigestAlgorithm a) { return a == DigestAlgorithm::blake3 ? "blake3" : "sha256"; }

std::optional<DigestAlgorithm> parse_digest_algorithm(const std::string& name) {
  if (name == "sha256") return DigestAlgorithm::sha256;
  if (name == "blake3") return DigestAlgorithm::blake3;
  return std::nullopt;
}

std::optional<DigestAlgorithm> model_digest_algorithm(const std::string& digest) {
  const auto colon = digest.find(':');
  if (colon == std::string::npos || digest.size() != colon + 1 + 64) return std::nullopt;
  if (!std::all_of(digest.begin() + static_cast<std::ptrdiff_t>(colon) + 1, digest.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    return std::nullopt;
  return parse_digest_algorithm(digest.substr(0, colon));
}

struct ContentHash::Impl {
  std::variant<Sha256, blake3_hasher> state;
};

ContentHash::ContentHash(DigestAlgorithm a) : impl_(std::make_unique<Impl>()) {
  if (a == DigestAlgorithm::blake3) {
    blake3_hasher h;
    blake3_hasher_init(&h);
    impl_->state = h;
  }
}
ContentHash::~ContentHash() = default;
ContentHash::ContentHash(ContentHash&&) noexcept = default;
ContentHash& ContentHash::operator=(ContentHash&&) noexcept = default;

void ContentHash::update(const void* data, std::size_t n) {
  if (auto* b = std::get_if<blake3_hasher>(&impl_->state)) blake3_hasher_update(b, data, n);
  else std::get<Sha256>(impl_->state).update(data, n);
}

std::string ContentHash::hex() {
  if (auto* b = std::get_if<blake3_hasher>(&impl_->state)) {
    unsigned char out[BLAKE3_OUT_LEN];
    blake3_hasher_finalize(b, out, sizeof out);
    return hex_encode(out, sizeof out);
  }
  return std::get<Sha256>(impl_->state).hex();
}

std::string content_hash_hex(DigestAlgorithm a, const std::string& data) {
  ContentHash h(a);
  h.update(data.data(), data.size());
  return h.hex();
}

}  // namespace mreg
