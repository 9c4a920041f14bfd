// The deploy gate, `mreg resolve --verified --branch B URI`: a deploy job gets a version only
// when the commit it reads is on B's first-parent history, the URI names protected state,
// that state is justified under the trusted policy, and B's tip still has it. Tags are never read.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/approvals.h"

using namespace e2e;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

const std::string kProduction = "models:/m/Production";

Result gate(const ApprovalFixture& fx, const std::vector<std::string>& args) {
  std::vector<std::string> all{"resolve", "--verified", "--branch", "main"};
  all.insert(all.end(), args.begin(), args.end());
  return fx.mreg_as("carol", all);
}

void expect_refused(const Result& r, const std::string& code) {
  INFO(describe(r));
  CHECK(r.status == 7);
  CHECK(r.out.empty());  // nothing for a deploy step to pick up
  CHECK_THAT(r.err, Contains(code));
}

// m v1 in Production through an approved, applied request; returns the request id.
std::string promote_v1(const ApprovalFixture& fx) {
  const std::string id = fx.approved_request(1);
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
  return id;
}

// Puts `version` into Production by editing its manifest and committing with plain git.
void hand_promote(const ApprovalFixture& fx, int version) {
  const std::string path = "models/m/versions/" + std::to_string(version) + ".yaml";
  fx.commit_files({{path, replace_line(fx.reg.show(path), "stage: ", "stage: Production")}}, "promote by hand",
                  as("mallory"));
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
void write_bytes(const fs::path& file, const std::string& bytes) { std::ofstream(file, std::ios::binary) << bytes; }

// The 20 bytes of a commit or tree id given in hex.
std::string id_bytes(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// A record of mreg's cache files as someone editing one by hand would write it, with a checksum
// that holds (FORMAT.md, "The read caches": u32 size, key, payload, u64 checksum of key and
// payload, the checksum being record_file.cpp's).
std::string cache_record(const std::string& key, const std::string& payload) {
  const std::string data = key + payload;
  constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;
  std::uint64_t h = 0x243f6a8885a308d3ull ^ (data.size() * kMul);
  std::size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 32;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, data.data() + i, data.size() - i);
  h = (h ^ tail) * kMul;
  const std::uint64_t sum = h ^ (h >> 29);
  const auto size = static_cast<std::uint32_t>(payload.size());
  return std::string(reinterpret_cast<const char*>(&size), 4) + data + std::string(reinterpret_cast<const char*>(&sum), 8);
}

}  // namespace

TEST_CASE("the deploy gate gives an approved version and says what justifies it", "[deploy-gate]") {
  ApprovalFixture fx;
  const std::string id = promote_v1(fx);
  Result r = gate(fx, {kProduction});
  REQUIRE_EXIT(r, 0);
  CHECK(r.out == fx.reg.mreg({"resolve", kProduction}).out);  // the same answer as resolve
  CHECK_THAT(r.err, Contains("approved in request " + id));

  Result j = gate(fx, {"-o", "json", kProduction});
  REQUIRE_EXIT(j, 0);
  CHECK(json(j)["model_version"]["version"] == "1");
}

TEST_CASE("the deploy gate refuses a tagged commit that is not on the branch", "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  // The attacker's commit, on a branch of its own, tagged as mreg's transition tags are.
  fx.reg.git_ok({"checkout", "-q", "-b", "evil"});
  hand_promote(fx, 2);
  fx.reg.git_ok({"tag", "-a", "-m", "deploy", "m#production#9"});
  fx.reg.git_ok({"checkout", "-q", "main"});

  // Without the gate, the tag deploys v2.
  Result plain = fx.reg.mreg({"--ref", "m#production#9", "resolve", "-o", "json", kProduction});
  REQUIRE_EXIT(plain, 0);
  CHECK(json(plain)["model_version"]["version"] == "2");

  Result r = gate(fx, {"--ref", "m#production#9", kProduction});
  expect_refused(r, "E_NOT_ON_BRANCH");
  CHECK_THAT(r.err, Contains("not on the first-parent history of main"));

  // The same commit merged into main is on the branch, and still not approved.
  fx.reg.git_ok({"merge", "-q", "--no-ff", "-m", "merge evil", "evil"});
  expect_refused(gate(fx, {kProduction}), "E_STAGE_NOT_JUSTIFIED");
  // The commit of the branch that was merged is not on main's first-parent history either.
  expect_refused(gate(fx, {"--ref", "evil", kProduction}), "E_NOT_ON_BRANCH");
}

TEST_CASE("the deploy gate refuses what no approval is about", "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  expect_refused(gate(fx, {"models:/m/1"}), "E_NOT_PROTECTED");
  expect_refused(gate(fx, {"models:/m/latest"}), "E_NOT_PROTECTED");
  REQUIRE_EXIT(fx.mreg_as("carol", {"stage", "m", "2", "Staging"}), 0);
  Result staging = gate(fx, {"models:/m/Staging"});
  expect_refused(staging, "E_NOT_PROTECTED");
  CHECK_THAT(staging.err, Contains("protects no stage Staging of m"));
  // A usage error is not a refusal.
  CHECK(fx.mreg_as("carol", {"resolve", "--verified", kProduction}).status == 3);
  CHECK(fx.mreg_as("carol", {"resolve", "--branch", "main", kProduction}).status == 3);
}

TEST_CASE("the deploy gate refuses hand edits of what was approved", "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  SECTION("the approved version's source changed on main") {
    const std::string path = "models/m/versions/1.yaml";
    fx.commit_files({{path, replace_line(fx.reg.show(path), "source: ", "source: s3://evil/model")}}, "fix source",
                    as("mallory"));
    Result r = gate(fx, {kProduction});
    expect_refused(r, "E_DIGEST_MISMATCH");
    CHECK_THAT(r.err, Contains("binds version_sha256"));
  }
  SECTION("a second version moved in by hand on main") {
    hand_promote(fx, 2);  // v2 is now what models:/m/Production resolves to
    expect_refused(gate(fx, {kProduction}), "E_STAGE_NOT_JUSTIFIED");
  }
}

TEST_CASE("the deploy gate follows the branch: an older commit that the branch has left is refused",
          "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  const std::string old = fx.reg.git_ok({"rev-parse", "HEAD"});
  REQUIRE_EXIT(gate(fx, {"--ref", old, kProduction}), 0);  // the tip: it is current
  const std::string id = fx.approved_request(2);
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);

  Result r = gate(fx, {"--ref", old, kProduction});
  expect_refused(r, "E_NOT_CURRENT");
  CHECK_THAT(r.err, Contains("v2 at the tip of main"));
  Result now = gate(fx, {kProduction});
  REQUIRE_EXIT(now, 0);
  CHECK_THAT(now.err, Contains("is v2"));
}

TEST_CASE("the deploy gate needs the trusted root", "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  fx.reg.git_ok({"config", "--unset-all", "mreg.trustedRoot"});
  Result r = fx.mreg_as("carol", {"resolve", "--verified", "--branch", "main", kProduction}, {"MREG_TRUSTED_ROOT="});
  expect_refused(r, "E_POLICY_ROOT_NOT_PINNED");
  REQUIRE_EXIT(fx.mreg_as("carol", {"--trusted-root", fx.root, "resolve", "--verified", "--branch", "main", kProduction},
                          {"MREG_TRUSTED_ROOT="}),
               0);
}

TEST_CASE("the deploy gate refuses an approved version that is the answer only because a newer one was removed by hand",
          "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  const std::string second = fx.approved_request(2);  // v2 joins v1 in Production (no archiving)
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", second}), 0);
  Result before = gate(fx, {"-o", "json", kProduction});
  REQUIRE_EXIT(before, 0);
  CHECK(json(before)["model_version"]["version"] == "2");

  // Mallory rolls Production back to v1 by deleting v2's file with plain git, on main.
  fx.reg.git_ok({"rm", "-q", "models/m/versions/2.yaml"});
  fx.reg.git_ok({"commit", "-q", "-m", "drop v2"});
  Result plain = fx.reg.mreg({"resolve", "-o", "json", kProduction});
  REQUIRE_EXIT(plain, 0);
  CHECK(json(plain)["model_version"]["version"] == "1");  // v1 was approved, but is the answer only now

  Result r = gate(fx, {kProduction});
  expect_refused(r, "E_REMOVAL_NOT_JUSTIFIED");
  CHECK_THAT(r.err, Contains("m v2"));
}

// The gate reads git alone (a deploy job runs on a fresh clone), but the git directory may hold
// the read caches of other commands (the model folders each first-parent step changed, the
// history index, made by `mreg verify`): damaged, stale or edited, they never let through what
// the gate refuses.
TEST_CASE("the deploy gate's caches cannot hide a version removed by hand", "[deploy-gate]") {
  ApprovalFixture fx;
  promote_v1(fx);
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", fx.approved_request(2)}), 0);
  REQUIRE_EXIT(gate(fx, {kProduction}), 0);  // v2
  REQUIRE_EXIT(fx.reg.mreg({"verify"}), 0);  // the caches filled
  const fs::path caches = fs::path(fx.reg.git_ok({"rev-parse", "--absolute-git-dir"})) / "mreg";
  REQUIRE(fs::exists(caches / "steps-v1.bin"));
  REQUIRE(fs::exists(caches / "history-v1.bin"));
  const fs::path before_removal = fx.reg.dir / "caches-before-removal";
  fs::copy(caches, before_removal, fs::copy_options::recursive);

  fx.reg.git_ok({"rm", "-q", "models/m/versions/2.yaml"});
  fx.reg.git_ok({"commit", "-q", "-m", "drop v2"});
  expect_refused(gate(fx, {kProduction}), "E_REMOVAL_NOT_JUSTIFIED");
  REQUIRE_EXIT(fx.reg.mreg({"verify"}), 7);  // the caches now have this step too

  SECTION("damaged: bytes changed in every cache file") {
    for (const auto& f : fs::recursive_directory_iterator(caches)) {
      if (!f.is_regular_file()) continue;
      std::string bytes = read_bytes(f.path());
      for (std::size_t i = bytes.size() / 2; i < bytes.size(); i += 7) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
      write_bytes(f.path(), bytes);
    }
  }
  SECTION("stale: the caches of the tip before the removal") {
    fs::remove_all(caches);
    fs::copy(before_removal, caches, fs::copy_options::recursive);
  }
  SECTION("edited: the removal's step recorded, with a checksum that holds, as changing no model") {
    const std::string removal = fx.reg.git_ok({"rev-parse", "HEAD"});
    const std::string models_before = fx.reg.git_ok({"rev-parse", "HEAD~1:models"});
    const std::string models_after = fx.reg.git_ok({"rev-parse", "HEAD:models"});
    // Payload: the models/ trees before and after (length-prefixed), then 0 changed folders.
    const std::string payload = std::string(1, '\x14') + id_bytes(models_before) + std::string(1, '\x14') +
                                id_bytes(models_after) + std::string(1, '\0');
    const std::string magic = "mreg-steps 1\n";
    const std::string file = read_bytes(caches / "steps-v1.bin");
    REQUIRE(file.rfind(magic, 0) == 0);
    // Put first, it is the record read for that commit; the true ones stay after it.
    write_bytes(caches / "steps-v1.bin", magic + cache_record(id_bytes(removal), payload) + file.substr(magic.size()));
  }
  Result r = gate(fx, {kProduction});
  expect_refused(r, "E_REMOVAL_NOT_JUSTIFIED");
  CHECK_THAT(r.err, Contains("m v2"));
}

// The gate reads the commits since the policy's adoption: with a merge among them, everything
// the merge brought, so that an application on a merged branch counts, once or twice.
TEST_CASE("the deploy gate reads requests applied on branches merged into the protected branch", "[deploy-gate]") {
  ApprovalFixture fx;
  const std::string id = fx.approved_request(1);
  fx.reg.git_ok({"checkout", "-q", "-b", "release"});
  REQUIRE_EXIT(fx.mreg_as("carol", {"apply", "m", id}), 0);
  fx.reg.git_ok({"checkout", "-q", "main"});
  fx.reg.git_ok({"merge", "-q", "--no-ff", "-m", "merge release", "release"});
  Result r = gate(fx, {kProduction});
  REQUIRE_EXIT(r, 0);
  CHECK_THAT(r.err, Contains("approved in request " + id));

  // A second commit that says it applied the same request, merged from another branch.
  fx.reg.git_ok({"checkout", "-q", "-b", "again", "main~1"});
  fx.reg.git_ok({"commit", "-q", "--allow-empty", "-m",
                 "transition m v1\n\nMreg-Op: transition\nMreg-Model: m\nMreg-Version: 1\nMreg-To: Production\n"
                 "Mreg-Request: " + id});
  fx.reg.git_ok({"checkout", "-q", "main"});
  fx.reg.git_ok({"merge", "-q", "--no-ff", "-m", "merge again", "again"});
  expect_refused(gate(fx, {kProduction}), "E_REPLAY");
  CHECK(fx.reg.mreg({"verify"}).status == 7);  // as verify judges it
}
