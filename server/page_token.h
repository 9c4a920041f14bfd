// MLflow's opaque page tokens: base64 of {"offset": N}, as MLflow's stores
// make them, so a client can page through search results.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace mreg::server {

std::string encode_page_token(std::size_t offset);
// 0 for an absent or empty token; INVALID_PARAMETER_VALUE for one that is not ours.
std::size_t decode_page_token(const std::optional<std::string>& token);

}  // namespace mreg::server
