#include "support/file_servers.h"

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "support/harness.h"
#include "support/server.h"

namespace e2e {
namespace {

const std::string kS3Dir = std::string(MREG_SOURCE_DIR) + "/tests/s3";

}  // namespace

StaticHttpServer::StaticHttpServer(const std::string& dir, const std::string& cert, const std::string& key,
                                   const std::string& basic_auth) {
  if (cert.empty()) {
    server_ = std::make_unique<httplib::Server>();
    scheme_ = "http";
  } else {
    server_ = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
    scheme_ = "https";
  }
  REQUIRE(server_->is_valid());
  REQUIRE(server_->set_mount_point("/", dir));
  if (!basic_auth.empty()) {
    const std::string expected = httplib::make_basic_authentication_header(
        basic_auth.substr(0, basic_auth.find(':')), basic_auth.substr(basic_auth.find(':') + 1)).second;
    server_->set_pre_routing_handler([expected](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") == expected) return httplib::Server::HandlerResponse::Unhandled;
      res.status = 401;
      res.set_content("who are you?", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    });
  }
  port_ = server_->bind_to_any_port("127.0.0.1");
  REQUIRE(port_ > 0);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // Running before the end of the scope can stop it (stop() before listen would be lost).
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(server_->is_running());
}

StaticHttpServer::~StaticHttpServer() {
  server_->stop();
  thread_.join();
}

std::string StaticHttpServer::url(const std::string& path) const {
  return scheme_ + "://127.0.0.1:" + std::to_string(port_) + path;
}

void make_localhost_certificate(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const Result r = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                        dir + "/key.pem", "-out", dir + "/cert.pem"});
  REQUIRE_EXIT(r, 0);
}

bool S3Server::available(std::string* why) {
  if (run({"sh", "-c", "command -v node"}).status != 0) {
    *why = "node is missing (scripts/deps installs it)";
    return false;
  }
  if (access((kS3Dir + "/node_modules/@20minutes/s3rver/package.json").c_str(), R_OK) != 0) {
    *why = "the S3 server's packages are missing (scripts/deps: npm ci in tests/s3)";
    return false;
  }
  return true;
}

S3Server::S3Server(const std::string& work_dir, int page_size) {
  std::filesystem::create_directories(work_dir + "/data");
  const int port = free_port();
  // Node's OpenSSL 3 keeps DES, which s3rver's continuation tokens use, in its legacy provider.
  std::vector<std::string> argv{"node", "--openssl-legacy-provider", kS3Dir + "/s3-server.js", work_dir + "/data",
                                std::to_string(port)};
  if (page_size > 0) {
    argv.push_back("--page-size");
    argv.push_back(std::to_string(page_size));
  }
  argv.push_back("models");
  start(argv, port, work_dir + "/s3-server.log");
}

std::string S3Server::endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }

void S3Server::put(const std::string& key, const std::string& bytes) const {
  httplib::Client client("127.0.0.1", port());
  auto res = client.Put(("/models/" + key).c_str(), bytes, "application/octet-stream");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
}

}  // namespace e2e
