#include "support/git_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/harness.h"

namespace e2e {
namespace {

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace


RemoteOrigin::RemoteOrigin() {
  REQUIRE_EXIT(mreg({"init", "--repo", path(), "--bare", "--registry", "test/registry"}), 0);
  REQUIRE_EXIT(mreg({"model", "create", "m", "--repo", path()}), 0);
}

nlohmann::json RemoteOrigin::versions() const {
  Result r = mreg({"version", "list", "m", "-o", "json", "--repo", path()});
  REQUIRE_EXIT(r, 0);
  return json(r)["model_versions"];
}

void GitServer::start(const std::vector<std::string>& argv, int port, const std::string& log_path) {
  port_ = port;
  pid_ = spawn(argv, "", {}, log_path, log_path);
  // Readiness, not timing: poll until the server listens (or has died).
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (poll_exit(pid_, &status)) {
      pid_ = -1;
      FAIL("the server exited with " << status << ": " << read_file(log_path));
    }
    if (accepts_connections(port)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("the server never listened on port " << port << ": " << read_file(log_path));
}

GitServer::~GitServer() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);  // the server leads its own process group, with its children
  wait_exit(pid_);
}

GitDaemon::GitDaemon(const std::string& base_path) {
  const int port = free_port();
  start({"git", "daemon", "--reuseaddr", "--listen=127.0.0.1", "--port=" + std::to_string(port),
         "--base-path=" + base_path, "--export-all", "--enable=receive-pack", "--informative-errors", base_path},
        port, base_path + "/../git-daemon.log");
}

std::string GitDaemon::url(const std::string& repo) const {
  return "git://127.0.0.1:" + std::to_string(port()) + "/" + repo;
}

HttpGitServer::HttpGitServer(const std::string& base_path, const std::string& work_dir, const std::string& user,
                             const std::string& token) {
  const int port = free_port();
  write_file(work_dir + "/users", user + ":" + token + "\n");
  write_file(work_dir + "/lighttpd.conf",
             "server.document-root = \"" + work_dir + "\"\n"
             "server.bind = \"127.0.0.1\"\n"
             "server.port = " + std::to_string(port) + "\n"
             "server.errorlog = \"" + work_dir + "/error.log\"\n"
             "server.modules = (\"mod_alias\", \"mod_auth\", \"mod_authn_file\", \"mod_cgi\", \"mod_setenv\")\n"
             "alias.url = (\"/git\" => \"/usr/lib/git-core/git-http-backend\")\n"
             "auth.backend = \"plain\"\n"
             "auth.backend.plain.userfile = \"" + work_dir + "/users\"\n"
             "$HTTP[\"url\"] =~ \"^/git\" {\n"
             "  cgi.assign = (\"\" => \"\")\n"
             "  setenv.add-environment = (\"GIT_PROJECT_ROOT\" => \"" + base_path + "\", \"GIT_HTTP_EXPORT_ALL\" => \"1\")\n"
             "  auth.require = (\"\" => (\"method\" => \"basic\", \"realm\" => \"git\", \"require\" => \"valid-user\"))\n"
             "}\n");
  start({"lighttpd", "-D", "-f", work_dir + "/lighttpd.conf"}, port, work_dir + "/lighttpd.log");
}

std::string HttpGitServer::url(const std::string& repo) const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/git/" + repo;
}

SshGitServer::SshGitServer(const std::string& work_dir, const std::vector<std::string>& authorized_pub_keys) {
  const int port = free_port();
  std::filesystem::create_directories(work_dir);
  Result keygen = run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test-host", "-f", work_dir + "/host_key"});
  REQUIRE_EXIT(keygen, 0);
  host_key_pub_ = trim(read_file(work_dir + "/host_key.pub"));
  std::string authorized;
  for (const auto& pub : authorized_pub_keys) authorized += read_file(pub);
  write_file(work_dir + "/authorized_keys", authorized);
  // sshd wants absolute paths; StrictModes would refuse keys in a temporary folder, and root
  // (as which CI runs) may log in only when allowed.
  write_file(work_dir + "/sshd_config",
             "ListenAddress 127.0.0.1\n"
             "Port " + std::to_string(port) + "\n"
             "HostKey " + work_dir + "/host_key\n"
             "AuthorizedKeysFile " + work_dir + "/authorized_keys\n"
             "PidFile none\n"
             "StrictModes no\n"
             "UsePAM no\n"
             "PermitRootLogin yes\n"
             "PasswordAuthentication no\n"
             "KbdInteractiveAuthentication no\n"
             "AuthenticationMethods publickey\n");
  // Run as root, sshd insists on its privilege separation folder, which Debian makes only when
  // the ssh service starts.
  if (::geteuid() == 0) std::filesystem::create_directories("/run/sshd");
  start({"/usr/sbin/sshd", "-D", "-e", "-f", work_dir + "/sshd_config"}, port, work_dir + "/sshd.log");
}

std::string SshGitServer::url(const std::string& path) const {
  const passwd* pw = ::getpwuid(::geteuid());
  REQUIRE(pw != nullptr);
  return "ssh://" + std::string(pw->pw_name) + "@127.0.0.1:" + std::to_string(port()) + path;
}

std::string SshGitServer::known_hosts_line() const {
  return "[127.0.0.1]:" + std::to_string(port()) + " " + host_key_pub_;
}

}  // namespace e2e
