// mreg serve --mirror: serves a bare mirror of a remote registry, kept up to date by fetching
// it on a timer; the remote is a real `git daemon` on 127.0.0.1 started by the test.
#include "support/harness.h"
#include "support/server.h"

#include <signal.h>

#include <chrono>
#include <thread>

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

// `git daemon` exporting every repository below `root`, on 127.0.0.1, until the end of the scope.
class GitDaemon {
 public:
  explicit GitDaemon(const std::string& root) : port_(free_port()) {
    pid_ = spawn({"git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", "--port=" + std::to_string(port_),
                  "--base-path=" + root, root},
                 "", {}, "", log_.path() + "/daemon.log");
    // Ready when it answers ls-remote (at most 20 s).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (e2e::git({"ls-remote", url("registry")}).status != 0) {
      int status = 0;
      if (poll_exit(pid_, &status)) FAIL("git daemon exited: " << read_file(log_.path() + "/daemon.log"));
      if (std::chrono::steady_clock::now() > deadline) FAIL("git daemon does not answer");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~GitDaemon() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    kill(-pid_, SIGTERM);  // the daemon and the children serving connections
    wait_exit(pid_);
    pid_ = -1;
  }
  std::string url(const std::string& repo) const { return "git://127.0.0.1:" + std::to_string(port_) + "/" + repo; }

 private:
  TempDir log_;
  int port_;
  pid_t pid_ = -1;
};

// Waits until `done` says yes (at most 30 s).
template <class Done>
void wait_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace

TEST_CASE("serve --mirror serves a remote registry and follows it", "[serve][mirror]") {
  TempDir root;
  Registry origin;  // a registry with a work tree, exported by the daemon as "registry"
  origin.mreg_json({"model", "create", "power-forecast"});
  origin.mreg_json({"register", "power-forecast", "--source", "s3://ml/pf/1"});
  REQUIRE(std::rename(origin.path().c_str(), (root / "registry").c_str()) == 0);
  const std::string origin_path = root / "registry";
  GitDaemon daemon(root.path());

  const std::string mirror = root / "mirror.git";
  Server server({"--repo", mirror, "--mirror", daemon.url("registry"), "--interval", "1s"});
  // Served from the first fetch on, before any request.
  auto first = server.get("/api/2.0/mlflow/model-versions/get?name=power-forecast&version=1");
  CHECK(first->status == 200);
  CHECK(git_ok({"rev-parse", "--is-bare-repository"}, mirror) == "true");
  CHECK(git_ok({"rev-parse", "refs/heads/main"}, mirror) == git_ok({"rev-parse", "HEAD"}, origin_path));
  CHECK(git_ok({"tag", "-l"}, mirror) == "power-forecast@v1");

  // A change pushed to the remote is served after the next fetch, without a restart.
  REQUIRE_EXIT(mreg({"stage", "--repo", origin_path, "power-forecast", "1", "Production"}), 0);
  const std::string url = "/api/2.0/mlflow/model-versions/get?name=power-forecast&version=1";
  wait_until([&] { return server.get(url)->body.find("Production") != std::string::npos; });
  CHECK_THAT(server.get(url)->body, Contains("\"current_stage\":\"Production\""));
  // The fetch is logged once it is done, which may be just after the new state is served.
  const std::string fetched = "mirror of " + daemon.url("registry") + " now at " + git_ok({"rev-parse", "HEAD"}, origin_path);
  wait_until([&] { return server.log().find(fetched) != std::string::npos; });
  CHECK_THAT(server.log(), Contains(fetched));

  // With the remote gone, fetches fail, are logged, and the last state is still served.
  daemon.stop();
  wait_until([&] { return server.log().find("mirror fetch failed") != std::string::npos; });
  CHECK_THAT(server.log(), Contains("mirror fetch failed (still serving the last state)"));
  CHECK_THAT(server.get(url)->body, Contains("Production"));
  CHECK(server.stop(2) == 0);
}

TEST_CASE("serve --mirror refuses a folder that is not its mirror, and an unreachable remote", "[serve][mirror]") {
  Registry reg;  // an existing registry must never be overwritten by a mirror's fetch
  const std::string before = reg.state();
  Result r = mreg({"serve", "--listen", "127.0.0.1:0", "--repo", reg.path(), "--mirror",
                   "git://127.0.0.1:1/registry"});
  INFO(describe(r));
  CHECK(r.status == 3);
  CHECK_THAT(r.err, Contains("--mirror") && Contains("is not a mirror of"));
  CHECK(reg.state() == before);

  TempDir dir;
  Result unreachable = mreg({"serve", "--listen", "127.0.0.1:0", "--repo", dir / "m.git", "--mirror",
                             "git://127.0.0.1:1/registry"});
  INFO(describe(unreachable));
  CHECK(unreachable.status != 0);
  CHECK(unreachable.signal == 0);
  CHECK_THAT(unreachable.err, Contains("cannot fetch from git://127.0.0.1:1/registry"));

  Result no_repo = mreg({"serve", "--listen", "127.0.0.1:0", "--mirror", "git://127.0.0.1:1/registry"});
  CHECK(no_repo.status == 3);
  CHECK_THAT(no_repo.err, Contains("--mirror needs --repo"));
}
