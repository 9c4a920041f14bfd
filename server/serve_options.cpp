// The options of `mreg serve` checked and normalised, apart from the server itself: the mreg
// binary without HTTP checks them before it hands the command over (cli/http_handover.cpp).
#include <regex>

#include "mreg/error.h"
#include "serve.h"

namespace mreg::server {

void parse_listen(const std::string& listen, ServeOptions& opts) {
  static const std::regex re("^(?:(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]*):)?([0-9]{1,5})$");
  std::smatch m;
  if (!std::regex_match(listen, m, re) || std::stoi(m[2].str()) > 65535)
    throw_invalid("--listen: expected HOST:PORT (e.g. 127.0.0.1:5000), got '" + listen + "'");
  std::string host = m[1].str();
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (!host.empty()) opts.host = host;
  opts.port = std::stoi(m[2].str());
}

std::int64_t parse_interval(const std::string& text) {
  static const std::regex re("^([0-9]{1,7})(s|m|h)?$");
  std::smatch m;
  if (!std::regex_match(text, m, re) || std::stoll(m[1].str()) == 0)
    throw_invalid("--interval: expected a positive duration such as 30s, 5m or 1h, got '" + text + "'");
  const std::int64_t n = std::stoll(m[1].str());
  const std::string unit = m[2].str();
  return unit == "h" ? n * 3600 : unit == "m" ? n * 60 : n;
}

void check_options(ServeOptions& opts) {
  std::string& base = opts.base_path;
  while (!base.empty() && base.back() == '/') base.pop_back();
  static const std::regex base_re("^(/[A-Za-z0-9._~-]+)*$");
  if (!std::regex_match(base, base_re) || base.find("/..") != std::string::npos ||
      base.find("/./") != std::string::npos)
    throw_invalid("--base-path: expected a URL path such as /registry, got '" + opts.base_path + "'");
  if (!opts.commit_url.empty()) {
    static const std::regex url_re("^https?://[^\\s\"<>]+$");
    if (!std::regex_match(opts.commit_url, url_re) || opts.commit_url.find("{sha}") == std::string::npos)
      throw_invalid("--commit-url: expected an http(s) URL with {sha} in it, such as "
                    "https://git.example.com/org/repo/commit/{sha}, got '" + opts.commit_url + "'");
  }
  if (opts.max_connections < 1 || opts.max_connections > 10000)
    throw_invalid("--max-connections: expected a number from 1 to 10000, got " + std::to_string(opts.max_connections));
  if (!opts.tracking_url.empty()) {
    static const std::regex url_re("^https?://[^\\s\"<>]+$");
    if (!std::regex_match(opts.tracking_url, url_re))
      throw_invalid("--tracking-url: expected an http(s) URL, got '" + opts.tracking_url + "'");
    while (opts.tracking_url.back() == '/') opts.tracking_url.pop_back();
  }
}

}  // namespace mreg::server
