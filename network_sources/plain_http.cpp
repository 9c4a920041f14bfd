#include "plain_http.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <cerrno>
#include <cstring>
#include <exception>

#include "mreg/error.h"

namespace mreg {
namespace {

constexpr std::size_t kReadBlock = 1 << 20;
constexpr std::size_t kHeadLimit = 64 * 1024;
constexpr std::size_t kErrorBody = 64 * 1024;
constexpr int kConnectTimeoutMs = 30 * 1000;
constexpr int kReadTimeoutSeconds = 120;

std::string ascii_lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string header_value_trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Thrown when a kept-alive connection turns out closed before any byte of the response:
// the request is sent again on a new one.
struct ClosedBeforeResponse {};

}  // namespace

PlainHttpConnection::PlainHttpConnection(std::string host, int port, std::string host_header, std::string shown)
    : host_(std::move(host)), host_header_(std::move(host_header)), shown_(std::move(shown)), port_(port) {
  if (host_.size() > 1 && host_.front() == '[' && host_.back() == ']') host_ = host_.substr(1, host_.size() - 2);
}

PlainHttpConnection::~PlainHttpConnection() { close(); }

void PlainHttpConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  begin_ = end_ = 0;
}

[[noreturn]] void PlainHttpConnection::broken(const std::string& why) {
  close();
  throw Error(ErrorCode::INTERNAL_ERROR, shown_ + ": " + why);
}

void PlainHttpConnection::connect() {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &found);
  if (rc != 0) broken("cannot resolve " + host_ + ": " + ::gai_strerror(rc));
  std::string why = "Could not establish connection";
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int err = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, kConnectTimeoutMs) == 1) {
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      } else {
        err = ETIMEDOUT;
      }
    }
    if (err != 0) {
      why = std::string("Could not establish connection: ") + std::strerror(err);
      ::close(fd);
      continue;
    }
    // Blocking from here on, with a bound on every wait.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{kReadTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;
    break;
  }
  ::freeaddrinfo(found);
  if (fd_ < 0) broken(why);
  if (buffer_.size() < kReadBlock) buffer_.resize(kReadBlock);
}

void PlainHttpConnection::send_all(const std::string& data) {
  std::size_t at = 0;
  while (at < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw ClosedBeforeResponse{};
    at += static_cast<std::size_t>(n);
  }
}

bool PlainHttpConnection::fill() {
  if (begin_ == end_) begin_ = end_ = 0;
  if (end_ == buffer_.size()) {  // make room: move what is unread to the front
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer_.data() + end_, buffer_.size() - end_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) broken(errno == EAGAIN || errno == EWOULDBLOCK ? "Read timeout" : std::string("Failed to read: ") + std::strerror(errno));
    end_ += static_cast<std::size_t>(n);
    return n > 0;
  }
}

std::string PlainHttpConnection::read_line() {
  for (;;) {
    const char* b = buffer_.data() + begin_;
    const char* e = buffer_.data() + end_;
    const char* nl = std::find(b, e, '\n');
    if (nl != e) {
      std::string line(b, nl);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      begin_ += static_cast<std::size_t>(nl - b) + 1;
      return line;
    }
    if (end_ - begin_ >= kHeadLimit) broken("the response's header is too long");
    if (!fill()) broken("the server closed the connection in the middle of a response");
  }
}

void PlainHttpConnection::pass_body(std::uint64_t n, const std::function<void(const char*, std::size_t)>& to) {
  while (n > 0) {
    if (begin_ == end_ && !fill()) broken("the server closed the connection in the middle of a response");
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, end_ - begin_));
    if (to) to(buffer_.data() + begin_, take);
    begin_ += take;
    n -= take;
  }
}

HttpResponse PlainHttpConnection::get(const std::string& target, const HttpHeaders& headers,
                                      const std::function<void(const char*, std::size_t)>& body) {
  std::string request = "GET " + target + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [k, v] : headers) {
    has_host = has_host || ascii_lowercase(k) == "host";
    request += k + ": " + v + "\r\n";
  }
  if (!has_host) request += "Host: " + host_header_ + "\r\n";
  request += "Accept-Encoding: identity\r\nUser-Agent: mreg\r\n\r\n";

  HttpResponse out;
  for (int attempt = 0;; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused) connect();
    try {
      send_all(request);
      if (begin_ == end_ && !fill()) throw ClosedBeforeResponse{};
      break;
    } catch (const ClosedBeforeResponse&) {
      close();
      if (!reused || attempt > 0) broken("the server closed the connection before it answered");
    }
  }

  // The status line and the header.
  const std::string status = read_line();
  if (status.rfind("HTTP/1.", 0) != 0 || status.size() < 12) broken("not an HTTP/1 response: " + status.substr(0, 80));
  out.status = std::atoi(status.c_str() + 9);
  bool chunked = false, close_after = status.compare(0, 8, "HTTP/1.0") == 0;
  std::optional<std::uint64_t> length;
  for (std::size_t head = 0;;) {
    const std::string line = read_line();
    if (line.empty()) break;
    head += line.size();
    if (head > kHeadLimit) broken("the response's header is too long");
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon), value = header_value_trimmed(line.substr(colon + 1));
    const std::string key = ascii_lowercase(name);
    if (key == "content-length") {
      char* end = nullptr;
      errno = 0;
      const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end || errno) broken("a Content-Length that is not a number: " + value);
      length = n;
    } else if (key == "transfer-encoding") {
      chunked = ascii_lowercase(value).find("chunked") != std::string::npos;
    } else if (key == "connection") {
      const std::string v = ascii_lowercase(value);
      if (v.find("close") != std::string::npos) close_after = true;
      if (v.find("keep-alive") != std::string::npos) close_after = false;
    }
    out.headers.emplace_back(std::move(name), std::move(value));
  }

  // The body: a 2xx one to `body`, the start of any other to error_body.
  std::exception_ptr failed;
  const bool ok = out.status / 100 == 2;
  const std::function<void(const char*, std::size_t)> deliver = [&](const char* data, std::size_t n) {
    if (!ok) {
      if (out.error_body.size() < kErrorBody) out.error_body.append(data, std::min(n, kErrorBody - out.error_body.size()));
      return;
    }
    if (failed) return;
    try {
      body(data, n);
    } catch (...) {
      failed = std::current_exception();
    }
  };
  const auto checked = [&](const char* data, std::size_t n) {
    deliver(data, n);
    if (failed) {
      close();  // the rest of the body is not read: the connection is not reusable
      std::rethrow_exception(failed);
    }
  };
  if (out.status == 204 || out.status == 304 || out.status / 100 == 1) {
    // no body
  } else if (chunked) {
    for (;;) {
      const std::string size_line = read_line();
      char* end = nullptr;
      const unsigned long long n = std::strtoull(size_line.c_str(), &end, 16);
      if (end == size_line.c_str()) broken("a chunk size that is not a number");
      if (n == 0) {
        while (!read_line().empty()) {  // trailers
        }
        break;
      }
      pass_body(n, checked);
      if (!read_line().empty()) broken("a chunk that does not end where its size says");
    }
  } else if (length) {
    pass_body(*length, checked);
  } else {  // the body runs to the end of the connection
    for (;;) {
      if (begin_ < end_) {
        const char* data = buffer_.data() + begin_;
        const std::size_t n = end_ - begin_;
        begin_ = end_;
        checked(data, n);
      }
      if (!fill()) break;
    }
    close_after = true;
  }
  if (close_after) close();
  return out;
}

}  // namespace mreg
