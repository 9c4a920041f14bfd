// Many mreg processes writing to one repository at the same time lose nothing.
#include "support/harness.h"

#include <atomic>
#include <set>
#include <thread>

using namespace e2e;
using Json = nlohmann::json;

namespace {

constexpr int kWriters = 8;
constexpr int kEach = 25;

// kWriters concurrent lines of `mreg register` processes, kEach one after the other in each line,
// all started at the same moment. Returns every Result, by writer.
std::vector<std::vector<Result>> register_concurrently(const Registry& reg) {
  std::vector<std::vector<Result>> results(kWriters);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      ++ready;
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kEach; ++i) {
        std::string source = "s3://bucket/writer-" + std::to_string(w) + "/" + std::to_string(i);
        results[w].push_back(
            mreg({"register", "m", "--source", source, "-o", "json", "--repo", reg.path()}));
      }
    });
  }
  while (ready < kWriters) std::this_thread::yield();
  go = true;
  for (auto& t : writers) t.join();
  return results;
}

void check_nothing_lost(bool bare) {
  Registry reg(bare);
  reg.mreg_json({"model", "create", "m"});

  auto results = register_concurrently(reg);

  std::set<int> returned;
  std::set<std::string> sources_sent;
  int failures = 0;
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kEach; ++i) {
      const Result& r = results[w][i];
      sources_sent.insert("s3://bucket/writer-" + std::to_string(w) + "/" + std::to_string(i));
      if (r.status != 0) {
        ++failures;
        if (failures <= 3) {
          INFO(describe(r));
          CHECK(r.status == 0);
        }
        continue;
      }
      Json j = json(r);
      returned.insert(std::stoi(j["model_version"]["version"].get<std::string>()));
    }
  }
  INFO(failures << " of " << kWriters * kEach << " registrations failed");
  REQUIRE(failures == 0);

  std::set<int> expected;
  for (int v = 1; v <= kWriters * kEach; ++v) expected.insert(v);
  CHECK(returned == expected);

  Json versions = reg.mreg_json({"version", "list", "m"})["model_versions"];
  std::set<int> listed;
  std::set<std::string> sources;
  for (const auto& v : versions) {
    listed.insert(std::stoi(v["version"].get<std::string>()));
    sources.insert(v["source"].get<std::string>());
  }
  CHECK(versions.size() == size_t(kWriters * kEach));
  CHECK(listed == expected);
  CHECK(sources == sources_sent);
  CHECK(scalar_line(reg.show("models/m/model.yaml"), "last_version") ==
        std::to_string(kWriters * kEach));

  int registers = 0;
  for (const auto& op : lines(reg.git_ok({"log", "--format=%(trailers:key=Mreg-Op,valueonly)"})))
    if (trim(op) == "register") ++registers;
  CHECK(registers == kWriters * kEach);
  CHECK(lines(reg.git_ok({"tag", "-l", "m@v*"})).size() == size_t(kWriters * kEach));

  require_fsck_clean(reg.path());
  Result check = reg.mreg({"check"});
  CHECK_EXIT(check, 0);
  if (!bare) reg.require_worktree_matches_head();
}

}  // namespace

TEST_CASE("8 processes registering 25 versions each into a bare repository lose nothing",
          "[concurrency]") {
  check_nothing_lost(true);
}

TEST_CASE("8 processes registering 25 versions each into a repository with a work tree lose nothing",
          "[concurrency]") {
  check_nothing_lost(false);
}
