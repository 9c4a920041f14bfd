#include "query.h"

#include <httplib.h>

#include "mreg/hex.h"

namespace mreg::server {

std::multimap<std::string, std::string> query_params(const httplib::Request& req) {
  std::multimap<std::string, std::string> out;
  const auto q = req.target.find('?');
  if (q == std::string::npos) return out;
  std::size_t start = q + 1;
  while (start <= req.target.size()) {
    std::size_t end = req.target.find('&', start);
    if (end == std::string::npos) end = req.target.size();
    const std::string item = req.target.substr(start, end - start);
    if (!item.empty()) {
      const auto eq = item.find('=');
      out.emplace(percent_decode(item.substr(0, eq), true),
                  eq == std::string::npos ? "" : percent_decode(item.substr(eq + 1), true));
    }
    start = end + 1;
  }
  return out;
}

std::string query_value(const httplib::Request& req, const std::string& name) {
  const auto params = query_params(req);
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

}  // namespace mreg::server
