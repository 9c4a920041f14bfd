// Page tokens as MLflow's stores make them (SearchUtils.create_page_token):
// base64 of the JSON {"offset": N}, so a token from either works with the other.
#include <openssl/evp.h>

#include "mreg/search.h"
#include "mreg/types.h"
#include "mreg/utf8.h"

namespace mreg {

std::string make_page_token(std::int64_t offset) {
  const std::string json = "{\"offset\": " + std::to_string(offset) + "}";
  std::string out(4 * ((json.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                reinterpret_cast<const unsigned char*>(json.data()), static_cast<int>(json.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::int64_t parse_page_token(const std::string& token) {
  if (token.empty()) return 0;
  if (token.size() % 4 != 0 || token.size() > 4096) throw_invalid("Invalid page token, could not base64-decode");
  std::string decoded(3 * token.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(&decoded[0]),
                                reinterpret_cast<const unsigned char*>(token.data()), static_cast<int>(token.size()));
  if (n < 0) throw_invalid("Invalid page token, could not base64-decode");
  // EVP_DecodeBlock counts the bytes the padding stands for: one or two '=' at the end, never
  // more ("====" decodes to nothing and is no token).
  std::size_t padding = 0;
  while (padding < token.size() && token[token.size() - 1 - padding] == '=') ++padding;
  if (padding > 2 || static_cast<std::size_t>(n) < padding)
    throw_invalid("Invalid page token, could not base64-decode");
  decoded.resize(static_cast<std::size_t>(n) - padding);
  const Json parsed = Json::parse(decoded, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    throw_invalid(text_problem(decoded).empty() ? "Invalid page token, decoded value=" + decoded
                                                : "Invalid page token, the decoded value is not text");
  const auto offset = parsed.find("offset");
  if (offset == parsed.end() || !offset->is_number_integer() || offset->get<std::int64_t>() <= 0)
    throw_invalid("Invalid page token, parsed value=" + parsed.dump());
  return offset->get<std::int64_t>();
}

}  // namespace mreg
