// SHA-256 and HMAC-SHA256 (OpenSSL; libsodium for one small string), streamed or over one string.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace mreg {

// Streaming SHA-256: update() as the bytes go by, hex() once at the end.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, std::size_t n);
  std::string hex();     // lower-case hex of the digest; ends the stream
  std::string binary();  // the 32 bytes of the digest; ends the stream

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(const std::string& data);
// The 32 bytes of HMAC-SHA256(key, data).
std::string hmac_sha256(const std::string& key, const std::string& data);

}  // namespace mreg
