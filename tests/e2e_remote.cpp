// Registries on a remote: writes with --push, mreg pull and push, and --remote URL,
// against real git servers on 127.0.0.1 (git daemon, git http-backend under lighttpd)
// and against folders.
#include "support/git_servers.h"
#include "support/harness.h"

#include <atomic>
#include <set>
#include <thread>

using namespace e2e;
using Json = nlohmann::json;

namespace {

using Origin = RemoteOrigin;

std::string clone(const std::string& url, const std::string& dest) {
  git_ok({"clone", "-q", url, dest}, "");
  return dest;
}

std::set<std::string> sources_of(const Json& versions) {
  std::set<std::string> out;
  for (const auto& v : versions) out.insert(v["source"].get<std::string>());
  return out;
}

// `writers` processes at once, each registering `each` versions of m one after the other
// with --push from its own clone of url. Returns the versions they were told, and
// checks that every one exited 0.
std::multiset<int> register_from_clones(const std::string& url, const std::string& dir, int writers, int each) {
  std::vector<std::string> clones;
  for (int w = 0; w < writers; ++w) clones.push_back(clone(url, dir + "/clone-" + std::to_string(w)));
  std::vector<std::vector<Result>> results(writers);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      ++ready;
      while (!go) std::this_thread::yield();
      for (int i = 0; i < each; ++i)
        results[w].push_back(mreg({"--repo", clones[w], "--push", "register", "m", "--source",
                                   "s3://bucket/" + std::to_string(w) + "/" + std::to_string(i), "-o", "json"}));
    });
  }
  while (ready < writers) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
  std::multiset<int> told;
  for (const auto& line : results)
    for (const auto& r : line) {
      CHECK_EXIT(r, 0);
      if (r.status == 0) told.insert(std::stoi(json(r)["model_version"]["version"].get<std::string>()));
    }
  return told;
}

void require_versions_one_to(const Origin& origin, const std::multiset<int>& told, int n, int writers, int each) {
  const Json versions = origin.versions();
  std::set<int> numbers;
  for (const auto& v : versions) numbers.insert(std::stoi(v["version"].get<std::string>()));
  std::set<int> expected;
  for (int i = 1; i <= n; ++i) expected.insert(i);
  CHECK(versions.size() == static_cast<size_t>(n));
  CHECK(numbers == expected);
  CHECK(told == std::multiset<int>(expected.begin(), expected.end()));  // no number handed out twice
  std::set<std::string> sent;
  for (int w = 0; w < writers; ++w)
    for (int i = 0; i < each; ++i) sent.insert("s3://bucket/" + std::to_string(w) + "/" + std::to_string(i));
  CHECK(sources_of(versions) == sent);  // none lost
  require_fsck_clean(origin.path());
}

}  // namespace

TEST_CASE("A write with --push lands on the remote served by git daemon, with its tag, and the clone follows") {
  Origin origin;
  GitDaemon daemon(origin.base());
  const std::string a = clone(daemon.url("reg.git"), origin.dir / "a");
  const std::string b = clone(daemon.url("reg.git"), origin.dir / "b");

  REQUIRE_EXIT(mreg({"--repo", a, "--push", "register", "m", "--source", "s3://bucket/a"}), 0);
  // b has not pulled: its write is applied on the remote's newest commit, not on its own.
  Result r = mreg({"--repo", b, "--push", "register", "m", "--source", "s3://bucket/b", "-o", "json"});
  REQUIRE_EXIT(r, 0);
  CHECK(json(r)["model_version"]["version"] == "2");

  CHECK(origin.versions().size() == 2);
  CHECK(git_ok({"tag", "-l", "m@v*"}, origin.path()) == "m@v1\nm@v2");
  CHECK(trailer(origin.path(), "main", "Mreg-Op") == "register");
  // The clone that wrote is at the remote's tip, its work tree too.
  CHECK(git_ok({"rev-parse", "HEAD"}, b) == git_ok({"rev-parse", "main"}, origin.path()));
  CHECK(read_file(b + "/models/m/versions/2.yaml").find("s3://bucket/b") != std::string::npos);
  CHECK(git_ok({"status", "--porcelain"}, b).empty());
  require_fsck_clean(origin.path());
}

TEST_CASE("Eight processes registering 20 versions each with --push through git daemon get 1..160, none lost") {
  constexpr int kWriters = 8, kEach = 20;
  Origin origin;
  GitDaemon daemon(origin.base());
  const auto told = register_from_clones(daemon.url("reg.git"), origin.dir.path(), kWriters, kEach);
  require_versions_one_to(origin, told, kWriters * kEach, kWriters, kEach);
  CHECK(lines(git_ok({"tag", "-l", "m@v*"}, origin.path())).size() == static_cast<size_t>(kWriters * kEach));
}

TEST_CASE("Writes with --push into a folder remote take turns too (a path and file://)") {
  constexpr int kWriters = 4, kEach = 8;
  Origin origin;
  SECTION("a path") {
    const auto told = register_from_clones(origin.path(), origin.dir.path(), kWriters, kEach);
    require_versions_one_to(origin, told, kWriters * kEach, kWriters, kEach);
  }
  SECTION("file://") {
    const auto told = register_from_clones("file://" + origin.path(), origin.dir.path(), kWriters, kEach);
    require_versions_one_to(origin, told, kWriters * kEach, kWriters, kEach);
  }
}

TEST_CASE("mreg push sends local writes and their tags, and mreg pull brings another clone up to date") {
  Origin origin;
  GitDaemon daemon(origin.base());
  const std::string a = clone(daemon.url("reg.git"), origin.dir / "a");
  const std::string b = clone(daemon.url("reg.git"), origin.dir / "b");

  REQUIRE_EXIT(mreg({"--repo", a, "register", "m", "--source", "s3://bucket/1"}), 0);
  REQUIRE_EXIT(mreg({"--repo", a, "stage", "m", "1", "Production"}), 0);
  Result pushed = mreg({"--repo", a, "push", "-o", "json"});
  REQUIRE_EXIT(pushed, 0);
  CHECK(json(pushed)["commit"] == git_ok({"rev-parse", "main"}, origin.path()));
  CHECK(git_ok({"tag", "-l"}, origin.path()) == "m#production#1\nm@v1");

  Result pulled = mreg({"--repo", b, "pull", "-o", "json"});
  REQUIRE_EXIT(pulled, 0);
  CHECK(json(pulled)["after"] == git_ok({"rev-parse", "main"}, origin.path()));
  CHECK(git_ok({"rev-parse", "HEAD"}, b) == json(pulled)["after"].get<std::string>());
  CHECK(read_file(b + "/models/m/versions/1.yaml").find("stage: Production") != std::string::npos);
  CHECK(git_ok({"status", "--porcelain"}, b).empty());
  CHECK(git_ok({"tag", "-l"}, b) == "m#production#1\nm@v1");
  REQUIRE_EXIT(mreg({"--repo", b, "pull"}), 0);  // nothing new: up to date

  SECTION("a push behind the remote is refused, and nothing is sent") {
    REQUIRE_EXIT(mreg({"--repo", b, "--push", "register", "m", "--source", "s3://bucket/2"}), 0);
    REQUIRE_EXIT(mreg({"--repo", a, "register", "m", "--source", "s3://bucket/3"}), 0);
    const std::string before = git_ok({"rev-parse", "main"}, origin.path());
    Result r = mreg({"--repo", a, "push"});
    CHECK_EXIT(r, 6);
    CHECK(r.err.find("mreg pull") != std::string::npos);
    CHECK(git_ok({"rev-parse", "main"}, origin.path()) == before);
    // Nor does a write with --push build on a branch with commits the remote lacks.
    Result w = mreg({"--repo", a, "--push", "register", "m", "--source", "s3://bucket/4"});
    CHECK_EXIT(w, 6);
    CHECK(w.err.find("mreg push") != std::string::npos);
    CHECK(git_ok({"rev-parse", "main"}, origin.path()) == before);
  }
  SECTION("uncommitted edits in the way stop a pull, and nothing moves") {
    REQUIRE_EXIT(mreg({"--repo", a, "--push", "version", "update", "m", "1", "--description", "new"}), 0);
    write_file(b + "/models/m/versions/1.yaml", "edited by hand\n");
    const std::string before = git_ok({"rev-parse", "HEAD"}, b);
    Result r = mreg({"--repo", b, "pull"});
    CHECK_EXIT(r, 6);
    CHECK(r.err.find("models/m/versions/1.yaml") != std::string::npos);
    CHECK(git_ok({"rev-parse", "HEAD"}, b) == before);
    CHECK(read_file(b + "/models/m/versions/1.yaml") == "edited by hand\n");
  }
}

TEST_CASE("A push that the remote's hook refuses fails at once with exit 7, and nothing is written") {
  Origin origin;
  write_file(origin.path() + "/hooks/pre-receive", "#!/bin/sh\necho 'registry is frozen' >&2\nexit 1\n");
  sh_ok("chmod +x '" + origin.path() + "/hooks/pre-receive'");
  GitDaemon daemon(origin.base());
  const std::string a = clone(daemon.url("reg.git"), origin.dir / "a");
  const std::string before = git_ok({"rev-parse", "main"}, origin.path());
  Result r = mreg({"--repo", a, "--push", "register", "m", "--source", "s3://bucket/1"});
  CHECK_EXIT(r, 7);
  CHECK(r.err.find("refused") != std::string::npos);
  CHECK(git_ok({"rev-parse", "main"}, origin.path()) == before);
  CHECK(git_ok({"rev-parse", "HEAD"}, a) == before);
}

TEST_CASE("A registry over http is read and written with --remote URL without a work tree, and the token is never shown") {
  Origin origin;
  const std::string token = "s3cr3t-token-4711";
  const std::string web = origin.dir / "web";
  HttpGitServer server(origin.base(), web, "ci", token);
  const std::string url = server.url("reg.git");
  const std::string cache = origin.dir / "cache";
  const std::vector<std::string> env{"XDG_CACHE_HOME=" + cache, "MREG_GIT_USERNAME=ci", "MREG_GIT_TOKEN=" + token};

  Result write = mreg({"--remote", url, "register", "m", "--source", "s3://bucket/1"}, origin.dir.path(), env);
  REQUIRE_EXIT(write, 0);
  CHECK(origin.versions().size() == 1);
  CHECK(git_ok({"tag", "-l"}, origin.path()) == "m@v1");

  // Someone else writes; a read through --remote sees it (the cache is fetched first).
  REQUIRE_EXIT(mreg({"register", "m", "--source", "s3://bucket/2", "--repo", origin.path()}), 0);
  Result list = mreg({"--remote", url, "-o", "json", "model", "list"}, origin.dir.path(), env);
  REQUIRE_EXIT(list, 0);
  CHECK(json(list)["registered_models"][0]["name"] == "m");
  Result versions = mreg({"--remote", url, "-o", "json", "version", "list", "m"}, origin.dir.path(), env);
  REQUIRE_EXIT(versions, 0);
  CHECK(json(versions)["model_versions"].size() == 2);

  // The cache is where docs/cli.md says: $XDG_CACHE_HOME/mreg/remotes/<sha256 of the URL>.git, bare.
  const std::string sha = trim(sh_ok("printf %s '" + url + "' | sha256sum | cut -d' ' -f1"));
  CHECK(git_ok({"rev-parse", "--is-bare-repository"}, cache + "/mreg/remotes/" + sha + ".git") == "true");

  SECTION("a wrong or missing token: exit 7, and the token is in no output") {
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"XDG_CACHE_HOME=" + cache, "MREG_GIT_USERNAME=ci", "MREG_GIT_TOKEN=wrong-" + token},
             {"XDG_CACHE_HOME=" + cache}}) {
      Result r = mreg({"--remote", url, "model", "list"}, origin.dir.path(), bad);
      CHECK_EXIT(r, 7);
      CHECK(r.err.find("authentication") != std::string::npos);
      CHECK((r.out + r.err).find(token) == std::string::npos);
    }
  }
  SECTION("a token in the URL is not shown in messages") {
    const std::string with_token = "http://ci:" + token + "@127.0.0.1:" + std::to_string(server.port()) + "/git/nosuch.git";
    Result r = mreg({"--remote", with_token, "model", "list"}, origin.dir.path(), {"XDG_CACHE_HOME=" + cache});
    CHECK(r.status != 0);
    CHECK((r.out + r.err).find(token) == std::string::npos);
  }
  for (const auto& r : {write, list, versions}) CHECK((r.out + r.err).find(token) == std::string::npos);
}

TEST_CASE("Remote commands name the argument that is wrong, and write nothing") {
  Registry reg;  // a registry with no remote
  const std::string before = reg.state();
  Result push_write = reg.mreg({"--push", "model", "create", "x"});
  CHECK_EXIT(push_write, 3);
  CHECK(push_write.err.find("no remote named 'origin'") != std::string::npos);
  Result pull = reg.mreg({"pull", "nosuch"});
  CHECK_EXIT(pull, 3);
  CHECK(pull.err.find("'nosuch'") != std::string::npos);
  Result missing = mreg({"--remote", reg.dir / "nosuch.git", "model", "list"}, "", {"XDG_CACHE_HOME=" + reg.dir / "cache"});
  CHECK_EXIT(missing, 3);
  CHECK(missing.err.find("no such folder") != std::string::npos);
  Result both = reg.mreg({"--remote", reg.path(), "model", "list"});
  CHECK_EXIT(both, 3);
  CHECK(both.err.find("--remote") != std::string::npos);
  CHECK(reg.state() == before);
}

TEST_CASE("In a shallow clone the current registry is read, and history and pushes exit 8 saying how to fix it") {
  Origin origin;
  for (const char* n : {"1", "2"})
    REQUIRE_EXIT(mreg({"register", "m", "--source", std::string("s3://bucket/") + n, "--repo", origin.path()}), 0);
  const std::string shallow = origin.dir / "shallow";
  git_ok({"clone", "-q", "--depth", "1", "file://" + origin.path(), shallow}, "");  // as CI checks out by default
  const std::string before = git_ok({"for-each-ref", "--format=%(refname) %(objectname)"}, origin.path());

  // What a deploy job reads is in the one commit it has.
  Result resolved = mreg({"--repo", shallow, "resolve", "models:/m/latest"});
  REQUIRE_EXIT(resolved, 0);
  CHECK(resolved.out == "s3://bucket/2\n");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"log", "m"}, {"tags", "sync"}, {"--push", "register", "m", "--source", "s3://bucket/3"}, {"push"}}) {
    std::vector<std::string> full{"--repo", shallow};
    full.insert(full.end(), args.begin(), args.end());
    Result r = mreg(full);
    CHECK_EXIT(r, 8);
    CHECK(r.err.find("shallow clone") != std::string::npos);
    CHECK(r.err.find("git fetch --unshallow") != std::string::npos);
  }
  CHECK(git_ok({"for-each-ref", "--format=%(refname) %(objectname)"}, origin.path()) == before);

  git_ok({"fetch", "-q", "--unshallow"}, shallow);
  Result log = mreg({"--repo", shallow, "-o", "json", "log", "m"});
  REQUIRE_EXIT(log, 0);
  CHECK(json(log)["events"].size() == 3);  // created, two registrations
}
