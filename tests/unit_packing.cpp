// When a write starts a packing: as `git gc --auto` decides, from the loose objects in
// objects/17/ and the number of packs, with gc.auto and gc.autoPackLimit honoured.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <cstdio>
#include <string>

#include "auto_pack.h"
#include "git.h"
#include "support/unit_temp_dir.h"

using namespace mreg;
namespace fs = std::filesystem;

namespace {

long loose_in_17(const std::string& git_dir) {
  long n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(git_dir + "objects/17", ec)) n += e.path().filename().string().size() == 38;
  return n;
}

}  // namespace

TEST_CASE("packing is due when git gc --auto would pack", "[packing]") {
  unit::TempDir t;
  auto repo = git::Repository::init((t.dir / "r.git").string(), true);
  const std::string git_dir = repo.git_dir();
  // gc.auto 256 is one object a folder: due from the second object in objects/17/.
  repo.set_config_string("gc.auto", "256");
  CHECK(packing_due(repo) == Packing::None);
  for (int i = 0; loose_in_17(git_dir) < 2; ++i) {
    CHECK(packing_due(repo) == Packing::None);
    repo.write_blob("blob " + std::to_string(i));
  }
  CHECK(packing_due(repo) == Packing::Auto);
  repo.set_config_string("gc.auto", "0");  // off, as for git
  CHECK(packing_due(repo) == Packing::None);
  repo.set_config_string("gc.auto", "6700");  // the default: 27 a folder
  CHECK(packing_due(repo) == Packing::None);

  // Too many packs: more than gc.autoPackLimit without a .keep.
  repo.set_config_string("gc.autoPackLimit", "2");
  for (int i = 0; i < 3; ++i) std::ofstream(git_dir + "objects/pack/pack-" + std::to_string(i) + ".pack") << "x";
  CHECK(packing_due(repo) == Packing::Auto);
  std::ofstream(git_dir + "objects/pack/pack-0.keep") << "";
  CHECK(packing_due(repo) == Packing::None);
  repo.set_config_string("gc.autoPackLimit", "0");
  std::ofstream(git_dir + "objects/pack/pack-9.pack") << "x";
  CHECK(packing_due(repo) == Packing::None);

  // Loose objects that outweigh the packs (and the floor): a whole git gc. Big blobs of
  // random bytes, until those in objects/00..0f/ alone weigh a sixteenth of the floor.
  std::string big(256 * 1024, '\0');
  unsigned x = 1;
  auto weight = [&] {
    long long bytes = 0;
    for (int f = 0; f < 16; ++f) {
      char name[4];
      std::snprintf(name, sizeof name, "%02x", f);
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(git_dir + "objects/" + name, ec)) bytes += e.file_size();
    }
    return bytes;
  };
  while (weight() * 16 <= kLooseBytesFloor) {
    for (auto& c : big) c = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
    CHECK(packing_due(repo) == Packing::None);
    repo.write_blob(big);
  }
  CHECK(packing_due(repo) == Packing::Full);
  repo.set_config_string("gc.auto", "0");
  CHECK(packing_due(repo) == Packing::None);
}
