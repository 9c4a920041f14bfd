// mreg reads git's configuration where git reads it: GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM,
// GIT_CONFIG_NOSYSTEM, $XDG_CONFIG_HOME/git/config, ~/.config/git/config, ~/.gitconfig, the
// system file and the repository's own. Each file is written by the real `git config`, and
// what mreg records is compared with what git itself reads.
#include "support/harness.h"

#include <filesystem>

using namespace e2e;
using Catch::Matchers::Contains;
using Strings = std::vector<std::string>;

namespace {

// The environment without the test identity, so that configuration decides it.
Strings config_env(const Strings& extra) {
  Strings env{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"};
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// `git config SCOPE user.name/user.email` in `repo`, as git writes them with `env`.
void set_identity(const Registry& repo, const std::string& scope, const std::string& who, const Strings& env) {
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"user.name", who},
                                   {"user.email", who + "@example.com"}})
    repo.git_ok({"config", scope, key, value}, config_env(env));
}

// Who git would record with `env`, and who mreg recorded for a write with it.
void require_same_author(const Registry& reg, const std::string& who, const Strings& env) {
  const std::string ident = reg.git_ok({"var", "GIT_AUTHOR_IDENT"}, config_env(env));
  REQUIRE(ident.rfind(who + " <" + who + "@example.com>", 0) == 0);  // the setup put it there
  static int n = 0;
  Result r = reg.mreg({"model", "create", "m" + std::to_string(++n), "-q"}, config_env(env));
  REQUIRE_EXIT(r, 0);
  CHECK(reg.git_ok({"log", "-1", "--format=%an <%ae>"}) == who + " <" + who + "@example.com>");
}

}  // namespace

TEST_CASE("git's configuration is read from every file git reads, as git finds them", "[git-config]") {
  Registry reg;
  TempDir t;
  const std::string home = t / "home";  // ~/.gitconfig
  std::filesystem::create_directories(home);
  set_identity(reg, "--global", "homer", {"HOME=" + home});
  require_same_author(reg, "homer", {"HOME=" + home});

  // $XDG_CONFIG_HOME/git/config: git writes --global there when it exists and ~/.gitconfig does not.
  const std::string xdg_home = t / "xdg-home", xdg = t / "xdg";
  write_file(xdg + "/git/config", "");
  std::filesystem::create_directories(xdg_home);
  set_identity(reg, "--global", "xavier", {"HOME=" + xdg_home, "XDG_CONFIG_HOME=" + xdg});
  require_same_author(reg, "xavier", {"HOME=" + xdg_home, "XDG_CONFIG_HOME=" + xdg});

  // ~/.config/git/config, without XDG_CONFIG_HOME.
  const std::string dot_config_home = t / "dot-config-home";
  write_file(dot_config_home + "/.config/git/config", "");
  set_identity(reg, "--global", "dora", {"HOME=" + dot_config_home});
  require_same_author(reg, "dora", {"HOME=" + dot_config_home});

  // GIT_CONFIG_GLOBAL replaces both ~/.gitconfig and the XDG file.
  const std::string global = t / "global.gitconfig";
  set_identity(reg, "--global", "gloria", {"HOME=" + home, "GIT_CONFIG_GLOBAL=" + global});
  REQUIRE(std::filesystem::exists(global));
  require_same_author(reg, "gloria", {"HOME=" + home, "XDG_CONFIG_HOME=" + xdg, "GIT_CONFIG_GLOBAL=" + global});

  // GIT_CONFIG_SYSTEM names the system file, read unless GIT_CONFIG_NOSYSTEM.
  const std::string system = t / "system.gitconfig", empty_home = t / "empty-home";
  std::filesystem::create_directories(empty_home);
  const Strings with_system{"HOME=" + empty_home, "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_SYSTEM=" + system};
  set_identity(reg, "--system", "sylvia", with_system);
  require_same_author(reg, "sylvia", with_system);
  Result no_system = reg.mreg({"model", "create", "nobody"},
                              config_env({"HOME=" + empty_home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_SYSTEM=" + system}));
  CHECK(no_system.status == 3);
  CHECK_THAT(no_system.err, Contains("no identity"));

  // The repository's own configuration comes before the user's.
  set_identity(reg, "--local", "rita", {});
  require_same_author(reg, "rita", {"HOME=" + home});
}

TEST_CASE("tag signing set up in GIT_CONFIG_GLOBAL signs mreg's tags", "[git-config][tags]") {
  Registry reg;
  TempDir t;
  sh_ok("ssh-keygen -q -t ed25519 -N '' -C signer@example.com -f key", t.path());
  const std::string global = t / "global.gitconfig";
  const Strings env{"GIT_CONFIG_GLOBAL=" + global};
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"tag.gpgSign", "true"},
                                   {"gpg.format", "ssh"},
                                   {"user.signingKey", t / "key"}})
    git_ok({"config", "--global", key, value}, "", env);
  REQUIRE_EXIT(reg.mreg({"model", "create", "m", "-q"}, env), 0);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", "s3://b/1", "-q"}, env), 0);
  CHECK_THAT(reg.git_ok({"cat-file", "tag", "m@v1"}), Contains("-----BEGIN SSH SIGNATURE-----"));
}
