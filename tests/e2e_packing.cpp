// Writes keep the repository packed, as git's own commands do (`git gc --auto`), without
// harming writers that run meanwhile.
#include "support/harness.h"

#include <algorithm>
#include <filesystem>
#include <map>

using namespace e2e;
using Json = nlohmann::json;

namespace {

// `git count-objects -v` as numbers: count (loose objects), in-pack, packs, ...
std::map<std::string, long> count_objects(const Registry& reg) {
  std::map<std::string, long> out;
  for (const auto& line : lines(reg.git_ok({"count-objects", "-v"}))) {
    const auto colon = line.find(':');
    if (colon != std::string::npos) out[line.substr(0, colon)] = std::stol(line.substr(colon + 1));
  }
  return out;
}

// Waits until the packing an mreg write started (if any) has ended: mreg holds
// <git dir>/mreg-gc.lock for as long as it runs.
void wait_for_packing(const Registry& reg) {
  const std::string git_dir = reg.bare() ? reg.path() : reg.path() + "/.git";
  sh_ok("flock '" + git_dir + "/mreg-gc.lock' true");
}

}  // namespace

TEST_CASE("writes keep the repository packed as git gc --auto would", "[packing]") {
  Registry reg(false);
  reg.git_ok({"config", "gc.auto", "256"});  // pack from about 256 loose objects on (default 6700)
  const std::string objects_17 = reg.path() + "/.git/objects/17";
  reg.mreg_json({"model", "create", "m"});
  // gc.auto 256 allows one loose object in objects/17/ (git estimates the loose objects from that
  // folder): after each write, and the packing it started, there is never more. 400 writes make
  // some 3,200 objects, about 12 of them in objects/17/ when nothing packs.
  constexpr int kWrites = 400;
  int most_in_17 = 0;
  for (int i = 0; i < kWrites; ++i) {
    REQUIRE_EXIT(reg.mreg({"register", "m", "--source", "s3://pack/" + std::to_string(i), "-q"}), 0);
    wait_for_packing(reg);
    int in_17 = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(objects_17, ec)) in_17 += e.path().filename().string().size() == 38;
    most_in_17 = std::max(most_in_17, in_17);
  }
  CHECK(most_in_17 <= 1);
  const auto objects = count_objects(reg);
  INFO("loose " << objects.at("count") << ", packed " << objects.at("in-pack") << ", packs " << objects.at("packs"));
  CHECK(objects.at("in-pack") > 0);
  require_fsck_clean(reg.path());
  CHECK_EXIT(reg.mreg({"check"}), 0);
  reg.require_worktree_matches_head();
}

TEST_CASE("writers running while a packing runs lose nothing", "[packing]") {
  for (const bool bare : {false, true}) {
    Registry reg(bare);
    reg.git_ok({"config", "gc.auto", "64"});  // one loose object a folder
    reg.mreg_json({"model", "create", "m"});
    // Loose objects that no packing removes (unreachable, and new), until objects/17/ holds two:
    // packing is due from the first write on, and runs while the writers write.
    const std::string objects_17 = (bare ? reg.path() : reg.path() + "/.git") + "/objects/17";
    for (int i = 0; !std::filesystem::exists(objects_17) ||
                    std::distance(std::filesystem::directory_iterator(objects_17), {}) < 2;
         ++i)
      reg.git({"hash-object", "-w", "--stdin"}, {}, "seed " + std::to_string(i) + "\n");
    constexpr int kWriters = 3, kEach = 60;
    std::vector<pid_t> pids;
    for (int w = 0; w < kWriters; ++w)
      pids.push_back(spawn({"sh", "-c",
                            "for i in $(seq 1 " + std::to_string(kEach) + "); do '" + MREG_BINARY +
                                "' register m --source s3://pack/" + std::to_string(w) + "/$i --repo '" +
                                reg.path() + "' -q || exit 1; done"},
                           "", {}, "", reg.dir / ("writer-" + std::to_string(w) + ".err")));
    for (int w = 0; w < kWriters; ++w) {
      INFO(read_file(reg.dir / ("writer-" + std::to_string(w) + ".err")));
      CHECK(wait_exit(pids[w]) == 0);
    }
    wait_for_packing(reg);
    // Every registration is there, once.
    CHECK(scalar_line(reg.show("models/m/model.yaml"), "last_version") == std::to_string(kWriters * kEach));
    CHECK(reg.files().size() == 2 + kWriters * kEach);
    CHECK(count_objects(reg).at("in-pack") > 0);
    require_fsck_clean(reg.path());
    CHECK_EXIT(reg.mreg({"check"}), 0);
    if (!bare) reg.require_worktree_matches_head();
  }
}

TEST_CASE("gc.auto = 0 turns packing off", "[packing]") {
  Registry reg(true);
  reg.git_ok({"config", "gc.auto", "0"});
  reg.mreg_json({"model", "create", "m"});
  for (int i = 0; i < 100; ++i) REQUIRE_EXIT(reg.mreg({"register", "m", "--source", "s3://x/" + std::to_string(i)}), 0);
  wait_for_packing(reg);
  CHECK(count_objects(reg).at("in-pack") == 0);
  CHECK(count_objects(reg).at("count") > 700);
}
