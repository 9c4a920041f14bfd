// The two hashes of a model digest give what sha256sum and b3sum give, however the bytes are
// fed, and a digest names its hash in a form mreg checks strictly.
#include <catch2/catch.hpp>

#include <string>

#include "mreg/content_hash.h"
#include "mreg/model_dir.h"

using namespace mreg;

namespace {

// 1,000,003 bytes i % 251: many of BLAKE3's 1 KiB chunks and a partial one, through the SIMD kernels.
std::string pattern_bytes() {
  std::string s(1000003, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i % 251);
  return s;
}

}  // namespace

TEST_CASE("BLAKE3 and SHA-256 give what b3sum and sha256sum give", "[content_hash]") {
  // Computed with b3sum 1.2.0 and coreutils' sha256sum.
  CHECK(content_hash_hex(DigestAlgorithm::blake3, "") == "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
  CHECK(content_hash_hex(DigestAlgorithm::blake3, "abc") == "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
  const std::string big = pattern_bytes();
  CHECK(content_hash_hex(DigestAlgorithm::blake3, big) == "cd5a3272e01b1a2f47bb4565d8d202db0f95704d32550a2da61a0fd363d4c90d");
  CHECK(content_hash_hex(DigestAlgorithm::sha256, big) == "a7c4bea888022868c93104055fd56077cc81fe9eb624820fe2f717f313188782");
}

TEST_CASE("a hash fed in uneven pieces equals the hash of the whole", "[content_hash]") {
  const DigestAlgorithm algorithm = GENERATE(DigestAlgorithm::sha256, DigestAlgorithm::blake3);
  const std::string big = pattern_bytes();
  ContentHash h(algorithm);
  std::size_t at = 0, step = 1;
  while (at < big.size()) {
    const std::size_t n = std::min(step, big.size() - at);
    h.update(big.data() + at, n);
    at += n;
    step = step * 3 + 1;  // 1, 4, 13, ...: pieces across chunk borders
  }
  CHECK(h.hex() == content_hash_hex(algorithm, big));
}

TEST_CASE("a model digest names its hash, and only well-formed digests are taken", "[content_hash]") {
  const std::string hex(64, 'a');
  CHECK(model_digest_algorithm("sha256:" + hex) == DigestAlgorithm::sha256);
  CHECK(model_digest_algorithm("blake3:" + hex) == DigestAlgorithm::blake3);
  CHECK_FALSE(model_digest_algorithm("md5:" + hex));
  CHECK_FALSE(model_digest_algorithm("blake3:" + std::string(64, 'A')));  // upper case is not the form written
  CHECK_FALSE(model_digest_algorithm("blake3:" + hex + "a"));
  CHECK_FALSE(model_digest_algorithm("blake3" + hex));
  CHECK_FALSE(model_digest_algorithm(""));
  CHECK(parse_digest_algorithm("blake3") == DigestAlgorithm::blake3);
  CHECK_FALSE(parse_digest_algorithm("BLAKE3"));
}

TEST_CASE("a model digest is the hash of the listing lines, with the algorithm's prefix", "[content_hash]") {
  // What `b3sum a b | b3sum` and `sha256sum a b | sha256sum` compute for files a and b.
  const DigestAlgorithm algorithm = GENERATE(DigestAlgorithm::sha256, DigestAlgorithm::blake3);
  const std::string ha = content_hash_hex(algorithm, "A"), hb = content_hash_hex(algorithm, "B");
  const std::string lines = ha + "  a\n" + hb + "  sub/b\n";
  const std::string expected = std::string(digest_algorithm_name(algorithm)) + ":" + content_hash_hex(algorithm, lines);
  CHECK(model_digest({{"sub/b", hb}, {"a", ha}, {"registered_model_meta", ha}}, algorithm) == expected);
}
