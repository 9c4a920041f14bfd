// `mreg --push init` and `mreg --push tags sync` against a bare repository served by git daemon:
// the new branch and the tags land on the remote, and what cannot be pushed is refused before
// anything is written.
#include "support/git_servers.h"
#include "support/harness.h"

#include <filesystem>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;
using Strings = std::vector<std::string>;

namespace remote_init_tags {

// An empty bare repository at <dir>/srv/reg.git, served by git daemon.
struct EmptyRemote {
  TempDir dir;
  std::string path() const { return dir / "srv/reg.git"; }
  EmptyRemote() { git_ok({"init", "-q", "--bare", path()}, ""); }
};

struct ServedRemote : EmptyRemote {
  GitDaemon daemon{dir / "srv"};
  std::string url() const { return daemon.url("reg.git"); }
  // `git clone` of it into dir/NAME.
  std::string clone(const std::string& name) const {
    git_ok({"clone", "-q", url(), dir / name}, "");
    return dir / name;
  }
};

std::string refs_of(const std::string& repo) { return git_ok({"for-each-ref", "--format=%(refname) %(objectname)"}, repo); }

// The remote's hooks/pre-receive: a shell script that refuses a push by exiting non-zero.
void set_pre_receive_hook(const std::string& bare_repo, const std::string& script) {
  write_file(bare_repo + "/hooks/pre-receive", "#!/bin/sh\n" + script + "\n");
  std::filesystem::permissions(bare_repo + "/hooks/pre-receive", std::filesystem::perms::owner_all);
}

bool has_commits(const std::string& repo) { return git({"rev-parse", "-q", "--verify", "HEAD"}, repo).status == 0; }

// A repository at dir/NAME with no commits whose origin is url: what `git init` and
// `git remote add` leave.
std::string unborn_with_origin(const TempDir& dir, const std::string& name, const std::string& url) {
  const std::string path = dir / name;
  git_ok({"init", "-q", path}, "");
  git_ok({"remote", "add", "origin", url}, path);
  return path;
}

}  // namespace remote_init_tags

using namespace remote_init_tags;

TEST_CASE("mreg --push init makes a registry in a clone of an empty remote and pushes the new branch", "[remote]") {
  ServedRemote origin;
  const std::string url = origin.url();
  const std::string clone = origin.clone("clone");
  const std::string branch = git_ok({"symbolic-ref", "--short", "HEAD"}, clone);

  Result r = mreg({"--repo", clone, "--push", "init", "--registry", "acme/models", "-o", "json"});
  REQUIRE_EXIT(r, 0);
  const std::string commit = json(r)["commit"];
  CHECK(git_ok({"rev-parse", branch}, origin.path()) == commit);
  CHECK(git_ok({"show", branch + ":mreg.yaml"}, origin.path()).find("registry: acme/models") != std::string::npos);
  CHECK(git_ok({"rev-parse", "HEAD"}, clone) == commit);
  CHECK(git_ok({"rev-parse", "--abbrev-ref", "@{upstream}"}, clone) == "origin/" + branch);
  CHECK(git_ok({"status", "--porcelain"}, clone).empty());

  // The table says where it went; later writes with --push build on it.
  Result table = mreg({"--repo", clone, "model", "list"});
  REQUIRE_EXIT(table, 0);
  REQUIRE_EXIT(mreg({"--repo", clone, "--push", "model", "create", "m"}), 0);
  CHECK(trailer(origin.path(), branch, "Mreg-Op") == "create-model");

  SECTION("a second init, here or from a folder whose remote is the registry, is refused and writes nothing") {
    const std::string remote_refs = refs_of(origin.path());
    Result again = mreg({"--repo", clone, "--push", "init"});
    CHECK_EXIT(again, 5);
    const std::string other = unborn_with_origin(origin.dir, "other", url);
    Result other_init = mreg({"--repo", other, "--push", "init"});
    CHECK_EXIT(other_init, 5);
    CHECK_THAT(other_init.err, Contains("origin/" + branch + " has mreg.yaml"));
    CHECK(refs_of(origin.path()) == remote_refs);
    CHECK_FALSE(has_commits(other));
  }
}

TEST_CASE("mreg --push init builds on what the remote has, and refuses a branch that lacks it", "[remote]") {
  ServedRemote origin;
  const std::string url = origin.url();
  // The host made the repository with a README, as git hosts offer to.
  const std::string seed = origin.clone("seed");
  write_file(seed + "/README.md", "# Model registry\n");
  git_ok({"add", "README.md"}, seed);
  git_ok({"commit", "-q", "-m", "Initial commit"}, seed);
  git_ok({"push", "-q", "origin", "HEAD"}, seed);
  const std::string branch = git_ok({"symbolic-ref", "--short", "HEAD"}, seed);
  const std::string readme_commit = git_ok({"rev-parse", "HEAD"}, seed);

  SECTION("a clone: the registry's commit goes on top of the README") {
    const std::string clone = origin.clone("clone");
    REQUIRE_EXIT(mreg({"--repo", clone, "--push", "init"}), 0);
    CHECK(git_ok({"rev-parse", branch + "^"}, origin.path()) == readme_commit);
    CHECK(git_ok({"ls-tree", "--name-only", branch}, origin.path()) == "README.md\nmreg.yaml");
  }
  SECTION("a folder without the remote's commits: exit 6, nothing written here or there") {
    const std::string bare_start = unborn_with_origin(origin.dir, "fresh", url);
    const std::string remote_refs = refs_of(origin.path());
    Result r = mreg({"--repo", bare_start, "--push", "init"});
    CHECK_EXIT(r, 6);
    CHECK_THAT(r.err, Contains("origin/" + branch + " has commits that the branch does not have"));
    CHECK(refs_of(origin.path()) == remote_refs);
    CHECK_FALSE(has_commits(bare_start));
    CHECK_FALSE(std::filesystem::exists(bare_start + "/mreg.yaml"));
  }
}

TEST_CASE("mreg --push init that the remote refuses fails with exit 7 and leaves the clone as it was", "[remote]") {
  ServedRemote origin;
  set_pre_receive_hook(origin.path(), "echo 'no new branches' >&2\nexit 1");
  const std::string clone = origin.clone("clone");
  Result r = mreg({"--repo", clone, "--push", "init"});
  CHECK_EXIT(r, 7);
  CHECK_THAT(r.err, Contains("refused"));
  CHECK(refs_of(origin.path()).empty());
  CHECK_FALSE(has_commits(clone));
  CHECK_FALSE(std::filesystem::exists(clone + "/mreg.yaml"));
}

TEST_CASE("mreg init names the argument that cannot work with it, and creates nothing", "[remote][errors]") {
  EmptyRemote origin;
  const std::string cwd = origin.dir / "cwd";
  std::filesystem::create_directories(cwd);

  Result remote = mreg({"--remote", origin.path(), "init"}, cwd);
  CHECK_EXIT(remote, 3);
  CHECK_THAT(remote.err, Contains("--remote"));
  CHECK(std::filesystem::is_empty(cwd));

  Result missing = mreg({"--push", "init", origin.dir / "nosuch"});
  CHECK_EXIT(missing, 3);
  CHECK_THAT(missing.err, Contains("--push"));
  CHECK_FALSE(std::filesystem::exists(origin.dir / "nosuch"));

  const std::string lone = origin.dir / "lone";
  git_ok({"init", "-q", lone}, "");
  Result no_remote = mreg({"--repo", lone, "--push", "init"});
  CHECK_EXIT(no_remote, 3);
  CHECK_THAT(no_remote.err, Contains("no remote named 'origin'"));
  CHECK_FALSE(has_commits(lone));
}

TEST_CASE("mreg --push tags sync creates the missing tags and pushes them, and those made before", "[remote]") {
  ServedRemote origin;
  const std::string url = origin.url();
  const std::string clone = origin.clone("clone");
  REQUIRE_EXIT(mreg({"--repo", clone, "--push", "init"}), 0);
  // Writes that made no tags, as writes with --no-tags or by hand do.
  for (const Strings& args : std::vector<Strings>{{"model", "create", "m"},
                                                  {"register", "m", "--source", "s3://b/1", "--no-tags"},
                                                  {"stage", "m", "1", "Production", "--no-tags"}}) {
    Strings full{"--repo", clone, "--push"};
    full.insert(full.end(), args.begin(), args.end());
    REQUIRE_EXIT(mreg(full), 0);
  }
  CHECK(git_ok({"tag", "-l"}, origin.path()).empty());

  Json synced = json(mreg({"--repo", clone, "--push", "tags", "sync", "-o", "json"}));
  CHECK(synced["created"] == Json::array({"m@v1", "m#production#1"}));
  CHECK(synced["pushed"] == Json::array({"m@v1", "m#production#1"}));
  CHECK(git_ok({"tag", "-l"}, origin.path()) == "m#production#1\nm@v1");
  CHECK(git_ok({"tag", "-l", "--format=%(contents:subject)", "m#production#1"}, origin.path()) ==
        "m version 1: None -> Production");
  // Nothing new: nothing created, nothing sent.
  Json again = json(mreg({"--repo", clone, "--push", "tags", "sync", "-o", "json"}));
  CHECK(again["created"].empty());
  CHECK(again["pushed"].empty());

  SECTION("tags made without --push are sent by the next sync with --push") {
    REQUIRE_EXIT(mreg({"--repo", clone, "--push", "register", "m", "--source", "s3://b/2", "--no-tags"}), 0);
    Json local = json(mreg({"--repo", clone, "tags", "sync", "-o", "json"}));
    CHECK(local["created"] == Json::array({"m@v2"}));
    CHECK_FALSE(local.contains("pushed"));
    CHECK(git_ok({"tag", "-l", "m@v2"}, origin.path()).empty());
    Json pushed = json(mreg({"--repo", clone, "--push", "tags", "sync", "-o", "json"}));
    CHECK(pushed["created"].empty());
    CHECK(pushed["pushed"] == Json::array({"m@v2"}));
    CHECK(git_ok({"tag", "-l", "m@v2"}, origin.path()) == "m@v2");
  }
  SECTION("through --remote URL, without a clone") {
    REQUIRE_EXIT(mreg({"--repo", clone, "--push", "stage", "m", "1", "Archived", "--no-tags"}), 0);
    Result r = mreg({"--remote", url, "tags", "sync"}, "", {"XDG_CACHE_HOME=" + origin.dir / "cache"});
    REQUIRE_EXIT(r, 0);
    CHECK_THAT(r.out, Contains("m#archived#1\n1 tag created, 1 pushed to origin/"));
    CHECK(git_ok({"tag", "-l", "m#archived#*"}, origin.path()) == "m#archived#1");
  }
  SECTION("a tag the remote refuses fails the sync with exit 7") {
    set_pre_receive_hook(origin.path(), "while read old new ref; do case $ref in refs/tags/*) echo 'no tags' >&2; exit 1;; esac; done");
    REQUIRE_EXIT(mreg({"--repo", clone, "--push", "register", "m", "--source", "s3://b/2", "--no-tags"}), 0);
    Result r = mreg({"--repo", clone, "--push", "tags", "sync"});
    CHECK_EXIT(r, 7);
    CHECK_THAT(r.err, Contains("the remote refused refs/tags/m@v2 (pre-receive hook declined)"));
    CHECK(git_ok({"tag", "-l", "m@v2"}, origin.path()).empty());
  }
  SECTION("--ref is refused: tags follow the branch") {
    Result r = mreg({"--repo", clone, "--ref", "HEAD~1", "tags", "sync"});
    CHECK_EXIT(r, 3);
    CHECK_THAT(r.err, Contains("--ref"));
  }
}
