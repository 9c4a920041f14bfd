#include "http_client.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "mreg/error.h"
#include "mreg/remote.h"
#include "plain_http.h"

namespace mreg {
namespace {

constexpr std::size_t kErrorBodyLimit = 64 * 1024;

bool equal_ignoring_case(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

int default_port(const std::string& scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

std::string HttpUrl::host_header() const {
  return port == default_port(scheme) ? host : host + ":" + std::to_string(port);
}

std::string HttpUrl::origin() const { return scheme + "://" + host_header(); }

HttpUrl parse_http_url(const std::string& url, const std::string& what) {
  const auto bad = [&](const std::string& why) {
    throw_invalid(what + ": " + redacted_url(url) + ": " + why);
  };
  HttpUrl u;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) bad("not an http(s):// URL");
  u.scheme = url.substr(0, scheme_end);
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (u.scheme != "http" && u.scheme != "https") bad("not an http(s):// URL");
  const auto authority_start = scheme_end + 3;
  const auto path_start = url.find_first_of("/?#", authority_start);
  std::string authority = url.substr(authority_start, path_start == std::string::npos ? std::string::npos
                                                                                       : path_start - authority_start);
  const auto at = authority.rfind('@');
  if (at != std::string::npos) {
    u.userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
  }
  std::string port;
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string::npos) bad("unclosed [ in the host");
    u.host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') bad("expected :PORT after the host");
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) bad("no host");
  u.port = default_port(u.scheme);
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
      bad("the port is not a number");
    u.port = std::stoi(port);
    if (u.port < 1 || u.port > 65535) bad("the port is out of range");
  }
  u.target = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (u.target[0] != '/') u.target = "/" + u.target;
  return u;
}

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (equal_ignoring_case(k, name)) return v;
  return "";
}

struct HttpConnection::Impl {
  httplib::Client client;
  std::string shown;
  std::unique_ptr<PlainHttpConnection> plain;  // for http://
  Impl(const std::string& origin, std::string shown_) : client(origin), shown(std::move(shown_)) {}
};

HttpConnection::HttpConnection(const std::string& origin, const std::string& shown)
    : impl_(std::make_unique<Impl>(origin, shown)) {
  if (origin.rfind("http://", 0) == 0) {
    const HttpUrl u = parse_http_url(origin, shown);
    impl_->plain = std::make_unique<PlainHttpConnection>(u.host, u.port, u.host_header(), shown);
    return;
  }
  auto& c = impl_->client;
  if (!c.is_valid()) throw_invalid(shown + ": not a URL mreg can reach");
  c.set_keep_alive(true);
  c.set_url_encode(false);  // targets come encoded, as they were signed
  c.set_decompress(false);  // the bytes as stored, never a re-encoding of them
  c.set_follow_location(false);
  c.set_connection_timeout(30);
  c.set_read_timeout(120);
  c.enable_server_certificate_verification(true);
}

HttpConnection::~HttpConnection() = default;

HttpResponse HttpConnection::get(const std::string& target, const HttpHeaders& headers,
                                 const std::function<void(const char*, std::size_t)>& body) {
  if (impl_->plain) return impl_->plain->get(target, headers, body);
  httplib::Headers h{{"Accept-Encoding", "identity"}};
  for (const auto& [k, v] : headers) h.emplace(k, v);
  HttpResponse out;
  std::exception_ptr failed;
  auto result = impl_->client.Get(
      target, h,
      [&](const httplib::Response& r) {
        out.status = r.status;
        for (const auto& [k, v] : r.headers) out.headers.emplace_back(k, v);
        return true;
      },
      [&](const char* data, std::size_t n) {
        if (out.status / 100 != 2) {
          if (out.error_body.size() < kErrorBodyLimit)
            out.error_body.append(data, std::min(n, kErrorBodyLimit - out.error_body.size()));
          return true;
        }
        try {
          body(data, n);
          return true;
        } catch (...) {
          failed = std::current_exception();
          return false;
        }
      });
  if (failed) std::rethrow_exception(failed);
  if (!result) {
    const auto e = result.error();
    if (e == httplib::Error::SSLServerVerification)
      throw Error(ErrorCode::PERMISSION_DENIED, impl_->shown + ": the server's TLS certificate is not trusted");
    throw Error(ErrorCode::INTERNAL_ERROR, impl_->shown + ": " + httplib::to_string(e));
  }
  return out;
}

std::string uri_encode(const std::string& text, bool keep_slash) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

}  // namespace mreg
