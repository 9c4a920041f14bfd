// HTTP/1.1 GETs with the body streamed to a callback, over one kept-alive
// connection per origin (TLS for https, checked against the system's CA
// certificates, by cpp-httplib; plain http by PlainHttpConnection). Used by
// `download` only: nothing here runs before it is called.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mreg {

// "https://user:pw@host:8443/a/b?q" -> scheme https, host, port 8443, target "/a/b?q", userinfo "user:pw".
struct HttpUrl {
  std::string scheme, host, userinfo;
  int port = 0;
  std::string target;      // path and query as given ("/" when empty)
  std::string origin() const;   // scheme://host[:port], the port left out when it is the scheme's own
  std::string host_header() const;  // host[:port], likewise
};
// INVALID_PARAMETER_VALUE naming `what` and the URL (without its password) when it is not http(s).
HttpUrl parse_http_url(const std::string& url, const std::string& what);

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string error_body;  // the first 64 KiB of the body of a status other than 2xx
  std::string header(const std::string& name) const;  // "" when absent; name in any case
};

class HttpConnection {
 public:
  // origin: scheme://host[:port]. `shown` names it in errors (without secrets).
  HttpConnection(const std::string& origin, const std::string& shown);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // GET target (sent as given: already percent-encoded). A 2xx body goes to `body`
  // as it arrives; an exception thrown there ends the transfer and is rethrown.
  // INTERNAL_ERROR when the server cannot be reached or the transfer breaks,
  // PERMISSION_DENIED when its TLS certificate is not trusted.
  HttpResponse get(const std::string& target, const HttpHeaders& headers,
                   const std::function<void(const char*, std::size_t)>& body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Every byte but A-Z a-z 0-9 - . _ ~ as %XX (upper case), '/' too unless keep_slash.
std::string uri_encode(const std::string& text, bool keep_slash);

}  // namespace mreg
