// Servers of model files on 127.0.0.1 for the download tests: a folder over HTTP or
// HTTPS (cpp-httplib, in this process), and an S3-compatible server (s3rver under
// Node.js, tests/s3), each stopped at the end of the scope.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "support/git_servers.h"

namespace httplib {
class Server;
}

namespace e2e {

class StaticHttpServer {
 public:
  // Serves `dir` at http://127.0.0.1:PORT/. With cert and key: https (the certificate
  // must name 127.0.0.1). With basic_auth "user:password": every request without it
  // gets 401.
  explicit StaticHttpServer(const std::string& dir, const std::string& cert = "", const std::string& key = "",
                            const std::string& basic_auth = "");
  ~StaticHttpServer();
  StaticHttpServer(const StaticHttpServer&) = delete;
  StaticHttpServer& operator=(const StaticHttpServer&) = delete;
  // "http://127.0.0.1:PORT" + path (https with a certificate).
  std::string url(const std::string& path) const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string scheme_;
  int port_ = 0;
};

// A self-signed certificate for 127.0.0.1 (openssl req), its key beside it: dir/cert.pem, dir/key.pem.
void make_localhost_certificate(const std::string& dir);

// tests/s3/s3-server.js: the bucket `models` with the account S3RVER / S3RVER.
class S3Server : public GitServer {
 public:
  // Whether Node.js and the server's packages (scripts/deps: npm ci in tests/s3) are here.
  static bool available(std::string* why);
  // page_size > 0: lists at most that many keys a page.
  S3Server(const std::string& work_dir, int page_size = 0);
  std::string endpoint() const;  // http://127.0.0.1:PORT
  // PUT of a file's bytes as bucket/key, unsigned (s3rver takes anonymous writes).
  void put(const std::string& key, const std::string& bytes) const;
};

}  // namespace e2e
