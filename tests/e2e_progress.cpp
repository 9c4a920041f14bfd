// A slow first read shows its progress on a terminal, and nothing anywhere else.
// MREG_PROGRESS_DELAY_MS=0 stands in for a read slower than a second; `script`
// gives mreg a terminal.
#include "support/harness.h"

#include <filesystem>

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

// Three models; the read cache removed, so the next listing parses them all.
struct ColdRegistry {
  Registry reg{true};
  ColdRegistry() {
    for (const char* name : {"a", "b", "c"}) REQUIRE_EXIT(reg.mreg({"model", "create", name, "-q"}), 0);
    std::filesystem::remove_all(reg.path() + "/mreg");
  }
};

// mreg ARGS with a terminal for stdout and stderr: what the terminal showed.
Result on_terminal(const Registry& reg, const std::string& args) {
  const std::string command = std::string(MREG_BINARY) + " " + args + " --repo " + reg.path();
  return run({"script", "-qec", command, "/dev/null"}, "", {"MREG_PROGRESS_DELAY_MS=0"});
}

}  // namespace

TEST_CASE("a cold model list shows progress on a terminal and clears it", "[progress]") {
  ColdRegistry cold_reg;
  const Registry& reg = cold_reg.reg;
  Result cold = on_terminal(reg, "model list");
  REQUIRE_EXIT(cold, 0);
  CHECK_THAT(cold.out, Contains("\rReading models: 1/3"));
  CHECK_THAT(cold.out, Contains("\r\033[K"));  // the line is cleared before the listing
  CHECK(cold.out.find("\r\033[K") < cold.out.find("NAME"));

  Result warm = on_terminal(reg, "model list");  // parsed already: nothing to wait for
  REQUIRE_EXIT(warm, 0);
  CHECK_THAT(warm.out, !Contains("Reading"));
  CHECK_THAT(warm.out, Contains("NAME"));
}

TEST_CASE("a version search shows progress on a terminal", "[progress]") {
  ColdRegistry cold_reg;
  const Registry& reg = cold_reg.reg;
  Result r = on_terminal(reg, "search versions");
  REQUIRE_EXIT(r, 0);
  CHECK_THAT(r.out, Contains("\rSearching the versions of models: 1/3"));
  CHECK_THAT(r.out, Contains("\r\033[K"));
}

TEST_CASE("progress stays off when stderr is not a terminal", "[progress]") {
  ColdRegistry cold_reg;
  const Registry& reg = cold_reg.reg;
  Result list = reg.mreg({"model", "list", "-o", "json"}, {"MREG_PROGRESS_DELAY_MS=0"});
  REQUIRE_EXIT(list, 0);
  CHECK(list.err.empty());
  CHECK(json(list)["registered_models"].size() == 3);
  Result search = reg.mreg({"search", "versions"}, {"MREG_PROGRESS_DELAY_MS=0"});
  REQUIRE_EXIT(search, 0);
  CHECK(search.err.empty());
}
