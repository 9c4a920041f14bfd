#include "webhook.h"

#include <httplib.h>

#include <chrono>
#include <regex>
#include <thread>

#include "mreg/error.h"
#include "mreg/hex.h"
#include "mreg/sha256.h"

namespace mreg::cli {

std::string hmac_sha256_hex(const std::string& secret, const std::string& body) {
  const std::string md = hmac_sha256(secret, body);
  return hex_encode(reinterpret_cast<const unsigned char*>(md.data()), md.size());
}

std::vector<Delivery> post_all(const std::string& url, const std::string& secret, const std::vector<std::string>& bodies) {
  static const std::regex re("^http://([^/:]+)(?::([0-9]+))?(/.*)?$");
  std::smatch m;
  if (!std::regex_match(url, m, re)) throw_invalid("--post: expected http://HOST[:PORT]/PATH, got '" + url + "'");
  const std::string host = m[1];
  const int port = m[2].matched ? std::stoi(m[2]) : 80;
  const std::string path = m[3].matched ? m[3].str() : "/";
  httplib::Client client(host, port);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  std::vector<Delivery> out;
  for (const auto& body : bodies) {
    Delivery d{body, "", 0};
    const httplib::Headers headers{{"X-Databricks-Signature", hmac_sha256_hex(secret, body)}};
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(200 << (attempt - 1)));
      ++d.attempts;
      auto res = client.Post(path.c_str(), headers, body, "application/json");
      if (!res) {
        d.error = res.error() == httplib::Error::Connection
                      ? "cannot connect to " + host + ":" + std::to_string(port)
                      : "the request failed (" + httplib::to_string(res.error()) + ")";
        continue;
      }
      if (res->status >= 500) {
        d.error = "HTTP " + std::to_string(res->status);
        continue;
      }
      d.error = res->status >= 200 && res->status < 300 ? "" : "HTTP " + std::to_string(res->status);
      break;
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace mreg::cli
