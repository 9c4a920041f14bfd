// The read cache never changes an answer: on random registries, listings
// with a warm, missing, torn or garbage cache equal a listing without it.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "mreg/mlflow_json.h"
#include "mreg/registry.h"

using namespace mreg;
namespace fs = std::filesystem;

namespace {

struct TempRepo {
  fs::path dir;
  TempRepo() {
    char tmpl[] = "/tmp/mreg-unit-XXXXXX";
    dir = mkdtemp(tmpl);
    setenv("GIT_AUTHOR_NAME", "Unit Test", 1);
    setenv("GIT_AUTHOR_EMAIL", "unit@example.com", 1);
    setenv("GIT_COMMITTER_NAME", "Unit Test", 1);
    setenv("GIT_COMMITTER_EMAIL", "unit@example.com", 1);
  }
  ~TempRepo() { fs::remove_all(dir); }
};

std::string listing(const Registry& r) {
  OrderedJson arr = OrderedJson::array();
  for (const auto& s : r.at().list_registered_models()) arr.push_back(to_mlflow_json(s));
  return arr.dump();
}

}  // namespace

TEST_CASE("cached and uncached listings agree on random registries", "[cache]") {
  TempRepo tmp;
  InitOptions init;
  init.bare = true;
  init.registry_id = "unit/cache";
  Registry r = Registry::init((tmp.dir / "reg.git").string(), init, WriteOptions{});
  const fs::path cache = tmp.dir / "reg.git" / "mreg" / "cache-v1.bin";
  std::mt19937 rng(7);
  std::vector<std::string> models;
  WriteOptions opts;
  opts.create_tags = false;

  for (int step = 0; step < 120; ++step) {
    const int op = std::uniform_int_distribution<int>(0, 9)(rng);
    if (models.empty() || op == 0) {
      std::string name = "m" + std::to_string(step);
      r.create_registered_model(name, "model " + std::to_string(step), {{"team", "t" + std::to_string(op)}}, opts);
      models.push_back(name);
    } else {
      const std::string& name = models[std::uniform_int_distribution<size_t>(0, models.size() - 1)(rng)];
      NewVersion nv;
      nv.source = "s3://b/" + std::to_string(step);
      if (op <= 6) {
        r.create_model_version(name, nv, opts);
      } else {
        auto versions = r.at().get_model_versions(name);
        if (versions.empty()) continue;
        auto v = versions[std::uniform_int_distribution<size_t>(0, versions.size() - 1)(rng)].version;
        if (op == 7) r.delete_model_version(name, v, opts);
        else r.set_model_version_tag(name, v, "k", std::to_string(step), opts);
      }
    }
    if (step % 20 != 19) continue;

    fs::remove(cache);
    const std::string uncached = listing(r);   // fills the cache
    REQUIRE(fs::exists(cache));
    CHECK(listing(r) == uncached);            // served from it

    {  // a torn record at the end, as a writer killed mid-append leaves it
      std::ofstream f(cache, std::ios::app | std::ios::binary);
      f << "\x40\x00\x00\x00partial";
    }
    CHECK(listing(r) == uncached);
    {  // garbage over the whole file
      std::ofstream f(cache, std::ios::trunc | std::ios::binary);
      f << "not a cache at all";
    }
    CHECK(listing(r) == uncached);
    CHECK(listing(r) == uncached);
    {  // a flipped byte inside a record
      std::fstream f(cache, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(cache) / 2));
      f.put('\x7f');
    }
    CHECK(listing(r) == uncached);
  }
}
