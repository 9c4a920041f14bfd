// Signed tags: when git's configuration asks for signed tags (tag.gpgSign, gpg.format,
// user.signingKey, gpg.*.program), the annotated tags mreg makes are signed as `git tag -s`
// signs them. Real keys (ssh-keygen, and gpg in a temporary GNUPGHOME), checked with
// `git tag -v` and `git fsck`; a signer that fails makes the write fail and writes nothing.
#include "support/approvals.h"
#include "support/harness.h"
#include "support/lifecycle.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

using namespace e2e;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;
using Json = nlohmann::json;
using Strings = std::vector<std::string>;
namespace fs = std::filesystem;

namespace signed_tags {

constexpr const char* kSshArmor = "-----BEGIN SSH SIGNATURE-----";
constexpr const char* kPgpArmor = "-----BEGIN PGP SIGNATURE-----";

void configure(const std::string& repo, const std::vector<std::pair<std::string, std::string>>& settings) {
  for (const auto& [key, value] : settings) git_ok({"config", key, value}, repo);
}

// An executable shell script at `path`.
void write_script(const std::string& path, const std::string& body) {
  write_file(path, "#!/bin/sh\n" + body);
  fs::permissions(path, fs::perms::owner_all);
}

// An ed25519 key made with `ssh-keygen -N ''`, and an allowed-signers file that trusts it
// for the test identity's email in git's namespace (what `git tag -v` checks ssh tags with).
struct SshKey {
  TempDir dir;
  std::string key = make_key(dir.path(), "signer");
  std::string allowed = dir / "allowed_signers";
  SshKey() { write_file(allowed, "test@example.com namespaces=\"git\" " + public_key_line(key) + "\n"); }
};

// An OpenPGP key for "Test User <test@example.com>" made with gpg in a temporary GNUPGHOME;
// env() makes mreg and git use it. The gpg-agent it starts is stopped at the end.
struct GpgKey {
  TempDir dir;
  std::string home = dir / "gnupg";
  GpgKey() {
    fs::create_directories(home);
    fs::permissions(home, fs::perms::owner_all);
    Result r = run({"gpg", "--batch", "--passphrase", "", "--quick-gen-key", kIdentity, "ed25519", "sign", "never"},
                   "", env());
    REQUIRE_EXIT(r, 0);
  }
  ~GpgKey() { run({"gpgconf", "--kill", "gpg-agent"}, "", env()); }
  std::vector<std::string> env() const { return {"GNUPGHOME=" + home}; }
};

// Signs tags with the ssh key's file (user.signingKey is its path).
void sign_with_ssh(const Registry& reg, const SshKey& k) {
  configure(reg.path(), {{"tag.gpgSign", "true"},
                         {"gpg.format", "ssh"},
                         {"user.signingKey", k.key},
                         {"gpg.ssh.allowedSignersFile", k.allowed}});
}

// m version 1 registered (with the model) and moved into Production: the tags m@v1 and
// m#production#1.
void register_and_promote(const Registry& reg, const std::vector<std::string>& env = {}) {
  reg.mreg_json({"register", "m", "--create-model", "--source", "s3://b/m/1"}, env);
  reg.mreg_json({"stage", "m", "1", "Production"}, env);
}

// A tag object's text before its signature, and the signature.
std::pair<std::string, std::string> split_signature(const std::string& object) {
  const auto at = object.find("-----BEGIN ");
  if (at == std::string::npos) return {object, ""};
  return {object.substr(0, at), object.substr(at)};
}

// The tag `name` is an annotated tag object as git writes one (object, type, tag and tagger
// lines, a blank line, the message), signed with the armor `armor`; `git tag -v` accepts it.
void check_signed(const Registry& reg, const std::string& name, const std::string& armor,
                  const std::vector<std::string>& env = {}) {
  INFO("tag " << name);
  const std::string object = reg.git_ok({"cat-file", "tag", name});
  const auto [text, signature] = split_signature(object);
  CHECK_THAT(signature, StartsWith(armor));
  CHECK_THAT(signature, EndsWith("-----"));  // git_ok drops the last line break
  const Strings ls = lines(text);
  REQUIRE(ls.size() >= 6);
  CHECK(ls[0] == "object " + tag_commit(reg, name));
  CHECK(ls[1] == "type commit");
  CHECK(ls[2] == "tag " + name);
  CHECK_THAT(ls[3], StartsWith("tagger Test User <test@example.com> "));
  CHECK(ls[4] == "");
  CHECK_THAT(text, EndsWith("\n"));
  Result verified = reg.git({"tag", "-v", name}, env);
  CHECK_EXIT(verified, 0);
  CHECK_THAT(verified.err, Contains("Good"));
}

// Writes the tag `name`'s object with `from` in it replaced by `to` as the tag `forged`, as an
// attacker with write access to the repository could: the signature no longer verifies.
void forge(const Registry& reg, const std::string& name, const std::string& forged, const std::string& from,
           const std::string& to) {
  std::string object = reg.git_ok({"cat-file", "tag", name}) + "\n";
  const auto at = object.find(from);
  REQUIRE(at != std::string::npos);
  object.replace(at, from.size(), to);
  Result written = reg.git({"hash-object", "-t", "tag", "-w", "--stdin"}, {}, object);
  REQUIRE_EXIT(written, 0);
  reg.git_ok({"update-ref", "refs/tags/" + forged, trim(written.out)});
}

// The whole signed-tag story for one format: tags of a write verify, the repository is clean,
// an altered tag does not verify, and tags sync signs the tags it makes.
void check_signed_story(const Registry& reg, const std::string& armor, const std::vector<std::string>& env) {
  register_and_promote(reg, env);
  REQUIRE(tag_names(reg) == Strings{"m#production#1", "m@v1"});
  for (const auto& t : tag_names(reg)) check_signed(reg, t, armor, env);
  CHECK(tag_message(reg, "m#production#1").rfind("m version 1: None -> Production\n", 0) == 0);
  CHECK_EXIT(reg.git({"fsck", "--full"}), 0);
  require_fsck_clean(reg.path());

  SECTION("an altered tag does not verify") {
    forge(reg, "m@v1", "forged", "source: s3://b/m/1", "source: s3://evil/m/1");
    CHECK(reg.git_ok({"rev-parse", "forged^{commit}"}) == tag_commit(reg, "m@v1"));
    Result forged = reg.git({"tag", "-v", "forged"}, env);
    INFO(describe(forged));
    CHECK(forged.status != 0);
    CHECK_EXIT(reg.git({"tag", "-v", "m@v1"}, env), 0);  // the original still does
  }
  SECTION("tags sync signs the tags it makes") {
    reg.git_ok({"tag", "-d", "m@v1", "m#production#1"});
    reg.mreg_json({"stage", "m", "1", "Archived", "--no-tags"}, env);
    Json synced = reg.mreg_json({"tags", "sync"}, env);
    Strings created = synced["created"].get<Strings>();
    std::sort(created.begin(), created.end());
    CHECK(created == Strings{"m#archived#1", "m#production#1", "m@v1"});
    for (const auto& t : created) check_signed(reg, t, armor, env);
    CHECK_EXIT(reg.git({"fsck", "--full"}), 0);
  }
}

// No file of an interrupted write is left in the git folder.
void check_no_write_left(const Registry& reg) {
  const std::string git_dir = reg.path() + "/.git/";
  CHECK_FALSE(fs::exists(git_dir + "mreg-pending"));
  CHECK_FALSE(fs::exists(git_dir + "index.lock"));
  CHECK_FALSE(fs::exists(git_dir + reg.git_ok({"symbolic-ref", "HEAD"}) + ".lock"));
}

// `ssh-agent -D -a SOCKET`, stopped at the end; add() loads a key into it.
struct SshAgent {
  TempDir dir;
  std::string socket = dir / "agent.sock";
  pid_t pid = spawn({"ssh-agent", "-D", "-a", socket}, dir.path(), {}, "", "");
  SshAgent() {
    for (int i = 0; i < 3000 && !fs::exists(socket); ++i) ::usleep(10 * 1000);  // it starts in the background
    REQUIRE(fs::exists(socket));
  }
  ~SshAgent() {
    ::kill(pid, SIGTERM);
    wait_exit(pid);
  }
  std::vector<std::string> env() const { return {"SSH_AUTH_SOCK=" + socket}; }
  void add(const std::string& key) const { REQUIRE_EXIT(run({"ssh-add", "-q", key}, "", env()), 0); }
};

}  // namespace signed_tags

using namespace signed_tags;

TEST_CASE("with tag.gpgSign and an ssh key, the tags mreg makes are signed and git tag -v accepts them", "[tags]") {
  SshKey k;
  Registry reg;
  sign_with_ssh(reg, k);
  check_signed_story(reg, kSshArmor, {});
}

TEST_CASE("with tag.gpgSign and an OpenPGP key, the tags mreg makes are signed and git tag -v accepts them",
          "[tags]") {
  GpgKey k;
  Registry reg;
  SECTION("the key of the tagger's identity (user.signingKey unset), gpg.format unset") {
    configure(reg.path(), {{"tag.gpgSign", "true"}});
    check_signed_story(reg, kPgpArmor, k.env());
  }
  SECTION("user.signingKey, gpg.format openpgp and gpg.program") {
    configure(reg.path(), {{"tag.gpgSign", "true"},
                           {"gpg.format", "openpgp"},
                           {"gpg.program", "gpg"},
                           {"user.signingKey", "test@example.com"}});
    check_signed_story(reg, kPgpArmor, k.env());
  }
}

TEST_CASE("a literal public key in user.signingKey signs with the key in ssh-agent", "[tags]") {
  SshKey k;
  SshAgent agent;
  agent.add(k.key);
  Registry reg;
  sign_with_ssh(reg, k);
  SECTION("key::") { configure(reg.path(), {{"user.signingKey", "key::" + public_key_line(k.key)}}); }
  SECTION("the older form, a key that starts with ssh-") {
    configure(reg.path(), {{"user.signingKey", public_key_line(k.key)}});
  }
  register_and_promote(reg, agent.env());
  for (const auto& t : tag_names(reg)) check_signed(reg, t, kSshArmor);
}

TEST_CASE("tag.forceSignAnnotated signs as tag.gpgSign does, since every mreg tag has a message", "[tags]") {
  SshKey k;
  Registry reg;
  sign_with_ssh(reg, k);
  configure(reg.path(), {{"tag.gpgSign", "false"}, {"tag.forceSignAnnotated", "true"}});
  register_and_promote(reg);
  for (const auto& t : tag_names(reg)) check_signed(reg, t, kSshArmor);
}

TEST_CASE("gpg.format x509 runs gpg.x509.program as git runs gpgsm", "[tags]") {
  Registry reg;
  const std::string fake = reg.dir / "fake-gpgsm";
  // Records its arguments and input, says SIG_CREATED on the status fd as gpgsm does.
  write_script(fake, "printf '%s\\n' \"$@\" > \"$0.args\"\ncat > \"$0.input\"\n"
                     "echo '[GNUPG:] SIG_CREATED D 1 8 00 1700000000 ABCDEF' >&2\n"
                     "printf -- '-----BEGIN SIGNED MESSAGE-----\\nZmFrZQ==\\n-----END SIGNED MESSAGE-----\\n'\n");
  configure(reg.path(), {{"tag.gpgSign", "true"}, {"gpg.format", "x509"}, {"gpg.x509.program", fake}});
  reg.mreg_json({"register", "m", "--create-model", "--source", "s3://b/m/1"});
  CHECK(read_file(fake + ".args") == "--status-fd=2\n-bsau\nTest User <test@example.com>\n");
  const std::string object = reg.git_ok({"cat-file", "tag", "m@v1"}) + "\n";
  CHECK(object == read_file(fake + ".input") + "-----BEGIN SIGNED MESSAGE-----\nZmFrZQ==\n-----END SIGNED MESSAGE-----\n");
  CHECK_THAT(read_file(fake + ".input"), StartsWith("object " + tag_commit(reg, "m@v1") + "\ntype commit\ntag m@v1\n"));
  require_fsck_clean(reg.path());
}

TEST_CASE("a signer that fails makes the write fail, naming the setting and what the signer said, and writes nothing",
          "[tags]") {
  SshKey k;
  Registry reg;
  reg.mreg_json({"register", "m", "--create-model", "--source", "s3://b/m/1"});  // before signing is set up
  sign_with_ssh(reg, k);
  const std::string broken = reg.dir / "broken-signer";
  write_script(broken, "echo 'signer broke: the key is locked away' >&2\nexit 1\n");

  SECTION("a gpg.ssh.program that exits 1") {
    configure(reg.path(), {{"gpg.ssh.program", broken}});
    for (const Strings& args : std::vector<Strings>{{"register", "m", "--source", "s3://b/m/2"},
                                                    {"stage", "m", "1", "Production"}}) {
      Result r = expect_refused(reg, args, 3, "tag.gpgSign");
      CHECK_THAT(r.err, Contains("gpg.ssh.program '" + broken + "'"));
      CHECK_THAT(r.err, Contains("signer broke: the key is locked away"));
      check_no_write_left(reg);
    }
    CHECK_FALSE(fs::exists(reg.path() + "/models/m/versions/2.yaml"));
    // A write that makes no tag runs no signer.
    reg.mreg_json({"model", "create", "other"});
    CHECK(tag_names(reg) == Strings{"m@v1"});
    reg.require_worktree_matches_head();
    require_fsck_clean(reg.path());
    // --no-tags makes no tag, so nothing is signed.
    REQUIRE_EXIT(reg.mreg({"register", "m", "--source", "s3://b/m/2", "--no-tags"}), 0);
    // tags sync signs every tag before it writes one: none is made.
    reg.git_ok({"tag", "-d", "m@v1"});
    Result r = expect_refused(reg, {"tags", "sync"}, 3, "tag.gpgSign");
    CHECK_THAT(r.err, Contains("signer broke"));
    CHECK(tag_names(reg).empty());
  }
  SECTION("a key file that does not exist") {
    configure(reg.path(), {{"user.signingKey", k.dir / "no-such-key"}});
    Result r = expect_refused(reg, {"register", "m", "--source", "s3://b/m/2"}, 3, "tag.gpgSign");
    CHECK_THAT(r.err, Contains("user.signingKey '" + k.dir / "no-such-key" + "'"));
    CHECK_THAT(r.err, Contains("no-such-key"));
    check_no_write_left(reg);
  }
  SECTION("a signing program that does not exist") {
    configure(reg.path(), {{"gpg.ssh.program", k.dir / "no-such-program"}});
    Result r = expect_refused(reg, {"stage", "m", "1", "Staging"}, 3, "gpg.ssh.program");
    CHECK_THAT(r.err, Contains("cannot run"));
    check_no_write_left(reg);
  }
  SECTION("gpg.format ssh without user.signingKey or gpg.ssh.defaultKeyCommand") {
    reg.git_ok({"config", "--unset", "user.signingKey"});
    Result r = expect_refused(reg, {"register", "m", "--source", "s3://b/m/2"}, 3, "user.signingKey");
    CHECK_THAT(r.err, Contains("gpg.ssh.defaultKeyCommand"));
  }
  SECTION("gpg without the secret key") {
    GpgKey other;  // a keyring with the test identity's key only
    configure(reg.path(), {{"gpg.format", "openpgp"}, {"user.signingKey", "nobody@example.com"}});
    Result r = expect_refused(reg, {"register", "m", "--source", "s3://b/m/2"}, 3, "gpg.program 'gpg'", other.env());
    CHECK_THAT(r.err, Contains("nobody@example.com"));
  }
  SECTION("an openpgp signer that exits 0 without saying SIG_CREATED") {
    const std::string quiet = reg.dir / "quiet-gpg";
    write_script(quiet, "cat > /dev/null\nprintf -- '-----BEGIN PGP SIGNATURE-----\\n-----END PGP SIGNATURE-----\\n'\n");
    configure(reg.path(), {{"gpg.format", "openpgp"}, {"gpg.program", quiet}});
    Result r = expect_refused(reg, {"register", "m", "--source", "s3://b/m/2"}, 3, "SIG_CREATED");
    CHECK_THAT(r.err, Contains("gpg.program '" + quiet + "'"));
  }
  SECTION("a gpg.format git does not know") {
    configure(reg.path(), {{"gpg.format", "pgp"}});
    expect_refused(reg, {"register", "m", "--source", "s3://b/m/2"}, 3, "gpg.format");
  }
  SECTION("a tag.gpgSign that is no boolean") {
    configure(reg.path(), {{"tag.gpgSign", "maybe"}});
    expect_refused(reg, {"register", "m", "--source", "s3://b/m/2"}, 3, "tag.gpgSign");
  }
}

TEST_CASE("a write with --push whose tag cannot be signed pushes nothing", "[tags][remote]") {
  TempDir dir;
  const std::string remote = dir / "remote.git", clone = dir / "clone";
  git_ok({"init", "-q", "--bare", remote}, "");
  git_ok({"clone", "-q", remote, clone}, "");
  REQUIRE_EXIT(mreg({"--repo", clone, "--push", "init"}), 0);
  REQUIRE_EXIT(mreg({"--repo", clone, "--push", "model", "create", "m"}), 0);
  write_script(dir / "broken-signer", "echo 'signer broke' >&2\nexit 1\n");
  configure(clone, {{"tag.gpgSign", "true"}, {"gpg.format", "ssh"}, {"user.signingKey", dir / "key"},
                    {"gpg.ssh.program", dir / "broken-signer"}});
  const std::string remote_refs = git_ok({"for-each-ref"}, remote);
  const std::string local_head = git_ok({"rev-parse", "HEAD"}, clone);
  Result r = mreg({"--repo", clone, "--push", "register", "m", "--source", "s3://b/m/1"});
  CHECK_EXIT(r, 3);
  CHECK_THAT(r.err, Contains("tag.gpgSign"));
  CHECK_THAT(r.err, Contains("signer broke"));
  CHECK(git_ok({"for-each-ref"}, remote) == remote_refs);
  CHECK(git_ok({"rev-parse", "HEAD"}, clone) == local_head);
  CHECK(git_ok({"tag", "-l"}, clone).empty());
}

TEST_CASE("without tag.gpgSign tags are unsigned as before and no signer runs", "[tags]") {
  Registry reg;
  const std::string recorder = reg.dir / "recording-signer";
  write_script(recorder, "touch \"$0.ran\"\nexit 1\n");
  configure(reg.path(), {{"gpg.format", "ssh"}, {"gpg.ssh.program", recorder}, {"user.signingKey", reg.dir / "key"},
                         {"gpg.program", recorder}, {"commit.gpgSign", "false"}});
  SECTION("unset") {}
  SECTION("false") { configure(reg.path(), {{"tag.gpgSign", "false"}}); }
  SECTION("gpg.format openpgp") { configure(reg.path(), {{"gpg.format", "openpgp"}, {"tag.gpgSign", "no"}}); }
  register_and_promote(reg);
  reg.git_ok({"tag", "-d", "m@v1"});
  reg.mreg_json({"tags", "sync"});
  REQUIRE(tag_names(reg) == Strings{"m#production#1", "m@v1"});
  for (const auto& t : tag_names(reg)) {
    INFO("tag " << t);
    const std::string object = reg.git_ok({"cat-file", "tag", t});
    CHECK(object.find("-----BEGIN") == std::string::npos);
    CHECK(split_signature(object).second.empty());
  }
  CHECK(tag_message(reg, "m@v1") == "m version 1\n\nsource: s3://b/m/1");
  CHECK_FALSE(fs::exists(recorder + ".ran"));
  require_fsck_clean(reg.path());
}
