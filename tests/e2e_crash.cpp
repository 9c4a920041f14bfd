// Writers killed with SIGKILL at random moments leave a registry that git and mreg accept,
// with no half-written change.
#include "support/harness.h"

#include <signal.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

using namespace e2e;
using Json = nlohmann::json;

namespace {

struct Writer {
  pid_t pid = 0;
  std::string out, err;
};

struct Tally {
  std::set<int> confirmed;   // versions whose `mreg register` exited 0
  int killed = 0;            // writers killed while running
  std::vector<std::string> failures;  // writers that ended on their own, but not with 0
};

// The committed state is whole: git and mreg accept it, versions run 1..last_version, one
// registration commit each, and every version whose registration exited 0 is there.
void check_whole(const Registry& reg, const Tally& tally) {
  require_fsck_clean(reg.path());
  Result check = reg.mreg({"check"});
  CHECK_EXIT(check, 0);
  REQUIRE(reg.git_ok({"cat-file", "-t", "HEAD"}) == "commit");

  std::string last_text = scalar_line(reg.show("models/m/model.yaml"), "last_version");
  int last = last_text.empty() ? 0 : std::stoi(last_text);
  std::set<int> present, expected;
  const std::string prefix = "models/m/versions/";
  for (const auto& f : reg.files()) {
    if (f.rfind(prefix, 0) != 0) continue;
    present.insert(std::stoi(f.substr(prefix.size())));
  }
  for (int v = 1; v <= last; ++v) expected.insert(v);
  CHECK(present == expected);
  for (int v : tally.confirmed) {
    INFO("version " << v << " was confirmed by its writer");
    CHECK(present.count(v) == 1);
  }
  int registers = 0;
  for (const auto& op : lines(reg.git_ok({"log", "--format=%(trailers:key=Mreg-Op,valueonly)"})))
    if (trim(op) == "register") ++registers;
  CHECK(registers == last);
}

void crash_rounds(bool bare, int rounds, unsigned seed) {
  Registry reg(bare);
  reg.mreg_json({"model", "create", "m"});
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(0, 50);
  Tally tally;
  int seq = 0;

  auto start = [&](Writer& w) {
    ++seq;
    w.out = reg.dir / ("writer-" + std::to_string(seq) + ".out");
    w.err = reg.dir / ("writer-" + std::to_string(seq) + ".err");
    w.pid = spawn({MREG_BINARY, "register", "m", "--source", "s3://crash/" + std::to_string(seq),
                   "-o", "json", "--repo", reg.path()},
                  "", {}, w.out, w.err);
  };
  auto finished = [&](const Writer& w, int status) {
    if (status == 0) {
      Json j = Json::parse(read_file(w.out), nullptr, false);
      if (!j.is_discarded() && j["model_version"]["version"].is_string())
        tally.confirmed.insert(std::stoi(j["model_version"]["version"].get<std::string>()));
      else
        tally.failures.push_back("exit 0 without a version: " + read_file(w.out));
    } else {
      tally.failures.push_back("exit " + std::to_string(status) + ": " + read_file(w.err));
    }
  };

  // Each round lets two writers register back to back for a while, long enough for a few
  // registrations, then kills both at a random moment 0-50 ms later.
  const auto warm_up = std::chrono::milliseconds(80);
  for (int round = 0; round < rounds; ++round) {
    const auto delay = warm_up + std::chrono::milliseconds(delay_ms(rng));
    const auto t0 = std::chrono::steady_clock::now();
    Writer writers[2];
    for (auto& w : writers) start(w);
    while (std::chrono::steady_clock::now() - t0 < delay) {
      for (auto& w : writers) {
        int status;
        if (poll_exit(w.pid, &status)) {
          finished(w, status);
          start(w);
        }
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    for (auto& w : writers) {
      kill(w.pid, SIGKILL);
      int status = wait_exit(w.pid);
      if (status == -1)
        ++tally.killed;
      else
        finished(w, status);
    }
    INFO("after round " << round << " (killed after " << delay.count() << " ms)");
    INFO("killed so far: " << tally.killed << ", confirmed so far: " << tally.confirmed.size());
    check_whole(reg, tally);
  }

  INFO("killed " << tally.killed << " writers, " << tally.confirmed.size() << " confirmed");
  CHECK(tally.killed > 0);
  if (bare) {
    CHECK(tally.confirmed.size() > 0);
    // A writer that was not killed succeeded, even right after another one was.
    std::string first_failures;
    for (size_t i = 0; i < tally.failures.size() && i < 3; ++i)
      first_failures += tally.failures[i] + "\n";
    INFO("writers that failed on their own: " << tally.failures.size() << "\n" << first_failures);
    CHECK(tally.failures.empty());
    INFO("lock files left in the repository:\n"
         << sh_ok("find . -name '*.lock' -print", reg.path()));
    Json j = reg.mreg_json({"register", "m", "--source", "s3://crash/after"});
    CHECK(j["model_version"]["version"].is_string());
    check_whole(reg, tally);
  }
}

}  // namespace

TEST_CASE("writers killed at random moments leave a whole bare registry", "[crash]") {
  crash_rounds(true, 16, 20261124);
}

TEST_CASE("writers killed at random moments leave a whole registry with a work tree", "[crash]") {
  crash_rounds(false, 8, 4242);
}
