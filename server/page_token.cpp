#include "page_token.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "mreg/error.h"

namespace mreg::server {

std::string encode_page_token(std::size_t offset) {
  const std::string json = "{\"offset\": " + std::to_string(offset) + "}";
  std::string out(4 * ((json.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(json.data()), static_cast<int>(json.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::size_t decode_page_token(const std::optional<std::string>& token) {
  if (!token || token->empty()) return 0;
  const std::string& in = *token;
  // EVP_DecodeBlock wants whole 4-character groups and no more than a short token's worth.
  if (in.size() % 4 != 0 || in.size() > 256) throw_invalid("Invalid page token, could not base64-decode");
  std::string raw(3 * in.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) throw_invalid("Invalid page token, could not base64-decode");
  // EVP_DecodeBlock counts the padding as zero bytes; drop them.
  std::size_t size = static_cast<std::size_t>(n);
  for (std::size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --size;
  raw.resize(size);
  auto j = nlohmann::json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("offset") || !j["offset"].is_number_unsigned())
    throw_invalid("Invalid page token, decoded value=" + raw);
  return j["offset"].get<std::size_t>();
}

}  // namespace mreg::server
