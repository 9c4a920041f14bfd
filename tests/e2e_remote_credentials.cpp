// Credentials for remotes: ssh keys from a file or from ssh-agent against a real OpenSSH sshd,
// the server's host key checked against ~/.ssh/known_hosts, and an https token that is used but
// never shown or written to disk.
#include "support/approvals.h"
#include "support/git_servers.h"
#include "support/harness.h"
#include "support/server.h"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace remote_credentials {

struct Origin : RemoteOrigin {
  std::string refs() const { return git_ok({"for-each-ref", "--format=%(refname) %(objectname)"}, path()); }
  // A clone at dir/NAME whose origin is url (cloned from the folder: the test's own git needs no
  // credentials).
  std::string clone(const std::string& name, const std::string& url) const {
    git_ok({"clone", "-q", path(), dir / name}, "");
    git_ok({"remote", "set-url", "origin", url}, dir / name);
    return dir / name;
  }
};

// The registry served by sshd to the holders of ci's key and of ops's key (which has a
// passphrase); `home` is a HOME whose ~/.ssh/known_hosts trusts the server.
struct SshOrigin : Origin {
  std::string keys = dir / "keys";
  std::string home = dir / "home";
  std::unique_ptr<SshGitServer> sshd;
  SshOrigin() {
    std::filesystem::create_directories(keys);
    make_key(keys, "ci");
    make_key(keys, "stranger");
    REQUIRE_EXIT(run({"ssh-keygen", "-q", "-t", "ed25519", "-N", kPassphrase, "-f", keys + "/ops"}), 0);
    sshd = std::make_unique<SshGitServer>(dir / "sshd", std::vector<std::string>{keys + "/ci.pub", keys + "/ops.pub"});
    write_file(home + "/.ssh/known_hosts", sshd->known_hosts_line() + "\n");
  }
  static constexpr const char* kPassphrase = "correct horse battery";
  std::string url() const { return sshd->url(path()); }
  std::string key(const std::string& who) const { return keys + "/" + who; }
  // The environment of a CI job: this HOME and cache, no agent unless one is given.
  std::vector<std::string> env(std::vector<std::string> extra) const {
    std::vector<std::string> all{"HOME=" + home, "XDG_CACHE_HOME=" + (dir / "cache"), "SSH_AUTH_SOCK"};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }
};

// `ssh-agent -D` on a socket of its own, stopped at the end of the scope.
class Agent {
 public:
  Agent() {
    pid_ = spawn({"ssh-agent", "-D", "-a", socket()}, "", {}, dir_ / "agent.log", dir_ / "agent.log");
    for (int i = 0; i < 1000 && !std::filesystem::exists(socket()); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(std::filesystem::exists(socket()));
  }
  ~Agent() {
    ::kill(-pid_, SIGTERM);
    wait_exit(pid_);
  }
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;
  std::string socket() const { return dir_ / "agent.sock"; }
  void add(const std::string& key) const {
    REQUIRE_EXIT(run({"ssh-add", "-q", key}, "", {"SSH_AUTH_SOCK=" + socket()}), 0);
  }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
};

// --push, pull and --remote over ssh with the given credentials, from clones named after `round`,
// checked as a user would: each write adds a version to the remote.
void write_pull_and_read(const SshOrigin& origin, const std::string& round, const std::vector<std::string>& credentials) {
  INFO("credentials: " << round);
  const auto env = origin.env(credentials);
  const std::string a = origin.clone("a-" + round, origin.url());
  const std::string b = origin.clone("b-" + round, origin.url());
  const size_t before = origin.versions().size();
  const std::string next = std::to_string(before + 1);

  Result wrote = mreg({"--repo", a, "--push", "register", "m", "--source", "s3://bucket/" + round, "-o", "json"}, "", env);
  REQUIRE_EXIT(wrote, 0);
  CHECK(json(wrote)["model_version"]["version"] == next);
  CHECK(origin.versions().size() == before + 1);
  CHECK(git_ok({"tag", "-l", "m@v" + next}, origin.path()) == "m@v" + next);

  Result pulled = mreg({"--repo", b, "pull", "-o", "json"}, "", env);
  REQUIRE_EXIT(pulled, 0);
  CHECK(json(pulled)["after"] == git_ok({"rev-parse", "main"}, origin.path()));
  CHECK(std::filesystem::exists(b + "/models/m/versions/" + next + ".yaml"));

  Result listed = mreg({"--remote", origin.url(), "-o", "json", "version", "list", "m"}, "", env);
  REQUIRE_EXIT(listed, 0);
  CHECK(json(listed)["model_versions"].size() == before + 1);
  Result remote_write =
      mreg({"--remote", origin.url(), "register", "m", "--source", "s3://bucket/" + round + "/remote"}, "", env);
  REQUIRE_EXIT(remote_write, 0);
  CHECK(origin.versions().size() == before + 2);
}

// Every file below dir that holds `secret` (its path, relative to dir).
std::vector<std::string> files_holding(const std::string& dir, const std::string& secret) {
  std::vector<std::string> found;
  if (!std::filesystem::exists(dir)) return found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    if (read_file(entry.path().string()).find(secret) != std::string::npos)
      found.push_back(std::filesystem::relative(entry.path(), dir).string());
  }
  return found;
}

}  // namespace remote_credentials

using namespace remote_credentials;

TEST_CASE("Over ssh, writes with --push, mreg pull and --remote reach a real sshd with key files and ssh-agent", "[remote][ssh]") {
  SshOrigin origin;
  write_pull_and_read(origin, "key", {"MREG_SSH_KEY=" + origin.key("ci")});
  Agent agent;
  agent.add(origin.key("stranger"));
  // Each connection costs a login on this machine's sshd: the other ways in are checked with one read.
  auto reads = [&](const std::vector<std::string>& credentials) {
    Result r = mreg({"--remote", origin.url(), "-o", "json", "version", "list", "m"}, "", origin.env(credentials));
    REQUIRE_EXIT(r, 0);
    CHECK(json(r)["model_versions"].size() == origin.versions().size());
  };
  reads({"MREG_SSH_KEY=" + origin.key("ops"), std::string("MREG_SSH_KEY_PASSPHRASE=") + SshOrigin::kPassphrase});
  // The agent's key is tried first; the server does not know it, so the key file gets in.
  reads({"SSH_AUTH_SOCK=" + agent.socket(), "MREG_SSH_KEY=" + origin.key("ci")});
  agent.add(origin.key("ci"));
  write_pull_and_read(origin, "agent", {"SSH_AUTH_SOCK=" + agent.socket()});
}

TEST_CASE("Over ssh, credentials that do not get in and an unknown host exit 7, write nothing and show no secret", "[remote][ssh][errors]") {
  SshOrigin origin;
  const std::string a = origin.clone("a", origin.url());
  const std::string before = origin.refs();
  const std::string local_before = git_ok({"rev-parse", "HEAD"}, a);
  struct Case {
    const char* what;
    std::vector<std::string> env;
    const char* message;
  };
  const std::vector<Case> cases{
      {"no agent and no key", origin.env({}), "no key file is set"},
      {"a key the server does not know", origin.env({"MREG_SSH_KEY=" + origin.key("stranger")}), "authentication failed"},
      {"a wrong passphrase",
       origin.env({"MREG_SSH_KEY=" + origin.key("ops"), "MREG_SSH_KEY_PASSPHRASE=wrong horse"}),
       "authentication failed"},
      {"a host key missing from known_hosts",
       {"HOME=" + (origin.dir / "empty-home"), "SSH_AUTH_SOCK", "MREG_SSH_KEY=" + origin.key("ci")},
       "known_hosts"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    Result r = mreg({"--repo", a, "--push", "register", "m", "--source", "s3://bucket/1"}, "", c.env);
    CHECK_EXIT(r, 7);
    CHECK_THAT(r.err, Contains(c.message));
    CHECK((r.out + r.err).find("horse") == std::string::npos);
    Result read = mreg({"--remote", origin.url(), "model", "list"}, "", c.env);
    CHECK_EXIT(read, 7);
  }
  CHECK(origin.refs() == before);
  CHECK(git_ok({"rev-parse", "HEAD"}, a) == local_before);
}

TEST_CASE("An https token from MREG_GIT_TOKEN or the URL is used, and written to no file and no output", "[remote][errors]") {
  Origin origin;
  const std::string token = "glpat-Xq7s3cr3tT0ken";
  HttpGitServer server(origin.dir / "srv", origin.dir / "web", "ci", token);
  const std::string url = server.url("reg.git");
  const std::string home = origin.dir / "home";
  const std::string cache = origin.dir / "cache";
  const std::vector<std::string> base{"HOME=" + home, "XDG_CACHE_HOME=" + cache};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), base.begin(), base.end());
    return extra;
  };
  const auto token_env = with({"MREG_GIT_USERNAME=ci", "MREG_GIT_TOKEN=" + token});
  const std::string in_url = "http://ci:" + token + "@127.0.0.1:" + std::to_string(server.port()) + "/git/reg.git";
  const std::string clone = origin.clone("clone", url);
  const std::string clone_with_url = origin.clone("clone-url", in_url);

  std::vector<Result> results;
  results.push_back(mreg({"--repo", clone, "--push", "register", "m", "--source", "s3://bucket/1"}, "", token_env));
  results.push_back(mreg({"--repo", clone, "pull"}, "", token_env));
  results.push_back(mreg({"--remote", url, "register", "m", "--source", "s3://bucket/2"}, "", token_env));
  results.push_back(mreg({"--remote", in_url, "-o", "json", "version", "list", "m"}, "", with({})));
  results.push_back(mreg({"--repo", clone_with_url, "--push", "register", "m", "--source", "s3://bucket/3"}, "", with({})));
  for (const auto& r : results) CHECK_EXIT(r, 0);
  CHECK(origin.versions().size() == 3);
  CHECK(json(results[3])["model_versions"].size() == 2);
  // Refused: the wrong token, or none, on a write and a read.
  const auto wrong = with({"MREG_GIT_USERNAME=ci", "MREG_GIT_TOKEN=" + token + "-old"});
  results.push_back(mreg({"--repo", clone, "--push", "register", "m", "--source", "s3://bucket/4"}, "", wrong));
  results.push_back(mreg({"--remote", url, "model", "list"}, "", wrong));
  results.push_back(mreg({"--remote", url, "-o", "json", "model", "list"}, "", with({})));
  for (size_t i = 5; i < results.size(); ++i) CHECK_EXIT(results[i], 7);

  for (const auto& r : results) {
    INFO(describe(r));
    CHECK((r.out + r.err).find(token) == std::string::npos);
  }
  // Not in the cache of --remote, nor in the clone's repository (reflogs, FETCH_HEAD,
  // config), nor in HOME: only where the user put it, the URL of clone-url's origin.
  INFO("files: " << Json(files_holding(cache, token)).dump());
  CHECK(files_holding(cache, token).empty());
  CHECK(files_holding(home, token).empty());
  CHECK(files_holding(clone, token).empty());
  CHECK(files_holding(clone_with_url, token) == std::vector<std::string>{".git/config"});
}

TEST_CASE("serve --mirror of an https remote takes the token from MREG_GIT_TOKEN or the URL, and logs neither", "[remote][serve]") {
  Origin origin;
  REQUIRE_EXIT(mreg({"register", "m", "--source", "s3://bucket/1", "--repo", origin.path()}), 0);
  const std::string token = "ghp_M1rr0rT0kenXYZ";
  HttpGitServer http(origin.dir / "srv", origin.dir / "web", "ci", token);
  const std::string version = "/api/2.0/mlflow/model-versions/get?name=m&version=1";
  SECTION("from MREG_GIT_TOKEN") {
    const std::string mirror = origin.dir / "mirror.git";
    Server server({"--repo", mirror, "--mirror", http.url("reg.git")}, {"MREG_GIT_USERNAME=ci", "MREG_GIT_TOKEN=" + token});
    CHECK(server.get(version)->status == 200);
    CHECK_THAT(server.log(), Contains("mirror of " + http.url("reg.git") + " now at"));
    CHECK(server.log().find(token) == std::string::npos);
    CHECK(files_holding(mirror, token).empty());
  }
  SECTION("in the URL") {
    const std::string mirror = origin.dir / "mirror.git";
    const std::string url = "http://ci:" + token + "@127.0.0.1:" + std::to_string(http.port()) + "/git/reg.git";
    Server server({"--repo", mirror, "--mirror", url});
    CHECK(server.get(version)->status == 200);
    CHECK_THAT(server.log(), Contains("mirror of http://ci:***@127.0.0.1:"));
    CHECK(server.log().find(token) == std::string::npos);
    CHECK(files_holding(mirror, token).empty());
    server.stop();
    // The same remote with another token is the same mirror.
    const std::string other = "http://ci:other@127.0.0.1:" + std::to_string(http.port()) + "/git/reg.git";
    Result refused = mreg({"serve", "--listen", "127.0.0.1:0", "--repo", mirror, "--mirror", other});
    CHECK_EXIT(refused, 7);
    CHECK_THAT(refused.err, Contains("authentication failed"));
    CHECK(refused.err.find("other@") == std::string::npos);
  }
  SECTION("without a token: exit 7 and nothing served") {
    Result r = mreg({"serve", "--listen", "127.0.0.1:0", "--repo", origin.dir / "mirror.git", "--mirror", http.url("reg.git")});
    CHECK_EXIT(r, 7);
    CHECK_THAT(r.err, Contains("authentication failed"));
  }
}
