// Real git servers on 127.0.0.1 for the remote tests, started and stopped by the test:
// `git daemon` with receive-pack, `git http-backend` behind lighttpd with basic auth, and
// OpenSSH's sshd.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/harness.h"

namespace e2e {

// A bare registry with the model `m` at <dir>/srv/reg.git, for a server to serve <dir>/srv.
struct RemoteOrigin {
  TempDir dir;
  RemoteOrigin();
  std::string base() const { return dir / "srv"; }
  std::string path() const { return dir / "srv/reg.git"; }
  // The versions of m, newest first.
  nlohmann::json versions() const;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port();

// A server process, stopped (with its children) at the end of the scope.
class GitServer {
 public:
  GitServer() = default;
  ~GitServer();
  GitServer(const GitServer&) = delete;
  GitServer& operator=(const GitServer&) = delete;
  int port() const { return port_; }

 protected:
  // Starts argv and waits until the port accepts connections; fails the test when it never does.
  void start(const std::vector<std::string>& argv, int port, const std::string& log_path);
  pid_t pid_ = -1;
  int port_ = 0;
};

// `git daemon` serving every repository below base_path, pushes allowed:
// git://127.0.0.1:PORT/<path below base_path>.
class GitDaemon : public GitServer {
 public:
  explicit GitDaemon(const std::string& base_path);
  std::string url(const std::string& repo_below_base) const;
};

// `git http-backend` under lighttpd, serving every repository below base_path at
// http://127.0.0.1:PORT/git/<path>; only the user `user` with password `token` gets in.
class HttpGitServer : public GitServer {
 public:
  HttpGitServer(const std::string& base_path, const std::string& work_dir, const std::string& user,
                const std::string& token);
  std::string url(const std::string& repo_below_base) const;
};

// OpenSSH's sshd on 127.0.0.1 with a host key, configuration and authorized_keys of its own in
// work_dir; it lets the current user in with the keys whose .pub files are given, and with
// nothing else. Repositories are named by their absolute path:
// ssh://USER@127.0.0.1:PORT/<path>.
class SshGitServer : public GitServer {
 public:
  SshGitServer(const std::string& work_dir, const std::vector<std::string>& authorized_pub_keys);
  std::string url(const std::string& absolute_repo_path) const;
  // The line of ~/.ssh/known_hosts that makes a client trust this server.
  std::string known_hosts_line() const;

 private:
  std::string host_key_pub_;
};

}  // namespace e2e
