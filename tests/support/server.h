// The real `mreg serve` on a free 127.0.0.1 port, for the HTTP tests: started
// with the arguments given, stopped with SIGTERM at the end of the scope.
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "support/harness.h"

namespace e2e {

class Server {
 public:
  // `mreg serve --listen 127.0.0.1:0 ARGS...` (extra_env as for run()); waits (at most
  // 20 s) for the line that names the port, and fails the test when the server exits instead.
  explicit Server(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  // A client of the server (keep-alive off, so every request is its own); paths are sent as given,
  // already encoded.
  httplib::Client client() const;
  // GET that must get a response (any status).
  httplib::Result get(const std::string& path) const;
  // What the server has logged so far.
  std::string log() const;
  // SIGTERM (or another signal), then waits: the exit code.
  int stop(int signal_number = 15);
  // Sends a signal without waiting for the server to exit.
  void signal(int signal_number);

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int free_port();

// A raw TCP connection to 127.0.0.1:port, for requests no HTTP client would send.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  // Sends what it can; false when the server closed the connection first.
  bool send(const std::string& data);
  // What the server sends until the end of the response headers, or until it closes the
  // connection (at most 30 s).
  std::string read_headers();
  // Waits (at most 20 s) until the server has read everything sent so far, as the kernel's
  // receive queue of the server's end of this connection shows (/proc/net/tcp).
  void wait_until_read();

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Percent-encodes every byte but A-Z a-z 0-9 - _ . ~, for a query string value.
std::string query_escape(const std::string& value);

// A response body parsed as JSON; fails the test (showing the body) when it is not.
nlohmann::json json_body(const httplib::Result& r);

}  // namespace e2e
