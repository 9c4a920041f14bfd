#include "support/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <sstream>
#include <regex>
#include <thread>

namespace e2e {

Server::Server(const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
  std::vector<std::string> argv{MREG_BINARY, "serve", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = spawn(argv, "", extra_env, dir_ / "out", dir_ / "log");
  static const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)/");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (port_ == 0) {
    std::smatch m;
    const std::string text = log();
    if (std::regex_search(text, m, listening)) {
      port_ = std::stoi(m[1].str());
      break;
    }
    int status = 0;
    if (poll_exit(pid_, &status)) {
      pid_ = -1;
      FAIL("mreg serve exited with " << status << " before listening:\n" << text);
    }
    if (std::chrono::steady_clock::now() > deadline) FAIL("mreg serve did not start listening:\n" << text);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Server::~Server() {
  if (pid_ > 0) stop();
}

std::string Server::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

httplib::Client Server::client() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_keep_alive(false);
  c.set_url_encode(false);  // paths are sent as the tests write them, '+' included
  c.set_read_timeout(30, 0);
  return c;
}

httplib::Result Server::get(const std::string& path) const {
  auto c = client();
  auto r = c.Get(path.c_str());
  INFO("GET " << path << " failed: " << httplib::to_string(r.error()) << "\nserver log:\n" << log());
  REQUIRE(r);
  return r;
}

std::string Server::log() const { return read_file(dir_ / "log"); }

void Server::signal(int signal_number) {
  if (pid_ > 0) kill(pid_, signal_number);
}

int Server::stop(int signal_number) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal_number);
  const int status = wait_exit(pid_);
  pid_ = -1;
  return status;
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

RawConnection::RawConnection(int port) : port_(port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd_ >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval timeout{30, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::send(const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string RawConnection::read_headers() {
  std::string out;
  char buf[65536];
  ssize_t n;
  while (out.find("\r\n\r\n") == std::string::npos && (n = recv(fd_, buf, sizeof buf, 0)) > 0)
    out.append(buf, static_cast<std::size_t>(n));
  return out;
}

void RawConnection::wait_until_read() {
  sockaddr_in local{};
  socklen_t len = sizeof local;
  REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) == 0);
  char server_end[32];  // the server's end: its port locally, this connection's port remotely
  std::snprintf(server_end, sizeof server_end, "0100007F:%04X 0100007F:%04X", port_, ntohs(local.sin_port));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    // "sl local rem st tx_queue:rx_queue ...", addresses and queues in hex.
    std::istringstream table(read_file("/proc/net/tcp"));
    std::string line;
    bool pending = true;  // until the line is found
    while (std::getline(table, line)) {
      const auto at = line.find(server_end);
      if (at == std::string::npos) continue;
      std::istringstream fields(line.substr(at + std::strlen(server_end)));
      std::string state, queues;
      fields >> state >> queues;
      pending = queues.substr(queues.find(':') + 1) != "00000000";
    }
    if (!pending) return;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string query_escape(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

nlohmann::json json_body(const httplib::Result& r) {
  INFO("status " << r->status << ", body:\n" << r->body);
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(r->get_header_value("Content-Type") == "application/json");
  return j;
}

}  // namespace e2e
