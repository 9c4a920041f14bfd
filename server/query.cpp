#include "query.h"

#include <httplib.h>

#include <cctype>

namespace mreg::server {
namespace {

// A malformed escape ("%zz") is kept as it is, as browsers do.
std::string form_decode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

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
      out.emplace(form_decode(item.substr(0, eq)), eq == std::string::npos ? "" : form_decode(item.substr(eq + 1)));
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
