// Delivering registry webhook payloads: one HTTP POST each, signed the way
// Databricks registry webhooks are (X-Databricks-Signature: hex HMAC-SHA256 of
// the body with the shared secret), retried on connection errors and 5xx.
#pragma once

#include <string>
#include <vector>

namespace mreg::cli {

struct Delivery {
  std::string body;
  std::string error;  // empty when delivered
  int attempts = 0;
};

std::string hmac_sha256_hex(const std::string& secret, const std::string& body);
// Posts each body to `url` (http://host[:port]/path); returns what happened to each.
std::vector<Delivery> post_all(const std::string& url, const std::string& secret, const std::vector<std::string>& bodies);

}  // namespace mreg::cli
