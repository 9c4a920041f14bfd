// The hashes a model digest can be made of: SHA-256 (the default, what sha256sum computes) and
// BLAKE3 (what b3sum computes; about four times faster on one core, so checking a large download
// keeps up with copying it). A model digest names its hash: "sha256:<hex>" or "blake3:<hex>".
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace mreg {

enum class DigestAlgorithm { sha256, blake3 };

// "sha256" or "blake3": the digest's prefix, and the name --digest-algorithm takes.
const char* digest_algorithm_name(DigestAlgorithm a);
// The algorithm of that name; nullopt for any other.
std::optional<DigestAlgorithm> parse_digest_algorithm(const std::string& name);
// The algorithm of a model digest "<name>:<64 lower-case hex digits>"; nullopt when `digest`
// is not one mreg can check.
std::optional<DigestAlgorithm> model_digest_algorithm(const std::string& digest);

// A streamed hash of either algorithm: update() as the bytes go by, hex() once at the end.
class ContentHash {
 public:
  explicit ContentHash(DigestAlgorithm a);
  ~ContentHash();
  ContentHash(ContentHash&&) noexcept;
  ContentHash& operator=(ContentHash&&) noexcept;
  void update(const void* data, std::size_t n);
  std::string hex();  // 64 lower-case hex digits (32 bytes, both algorithms); ends the stream

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string content_hash_hex(DigestAlgorithm a, const std::string& data);

}  // namespace mreg
