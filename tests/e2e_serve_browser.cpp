// mreg serve in a real browser: Debian's Chromium, driven by playwright-core (tests/browser,
// installed by scripts/deps with npm ci), types a search into the models page, clicks through to
// a model and a version, reads what a person would read, and finds that the scripts injected into
// descriptions and tags never ran; pages through a long model and the filtered activity; and
// checks every kind of page at 400 and 1400 px and with axe-core. Skipped (ctest says so) only
// where node or chromium is missing.
#include "support/harness.h"
#include "support/server.h"

#include <unistd.h>

#include <iostream>

using namespace e2e;
using Catch::Matchers::Contains;

namespace serve_browser {

const std::string kBrowserDir = std::string(MREG_SOURCE_DIR) + "/tests/browser";
const std::string kChromium = "/usr/bin/chromium";
// Code that leaves a trace if it ever runs: a global, the title, a dialog and a request.
const std::string kInjected = "window.injected=1;document.title='pwned';alert('injected');fetch('injected')";

bool has_command(const std::string& name) { return run({"sh", "-c", "command -v " + name}).status == 0; }

// power-forecast (a Markdown description with a script in it, a hostile tag, v1 in Production
// with an image that runs code in its description) and grid-load.
void build_registry(const Registry& reg) {
  reg.mreg_json({"model", "create", "power-forecast", "--description",
                 "Forecasts wind power. <script>" + kInjected + "</script>\n\n## Inputs\n- weather forecasts\n",
                 "--tag", "team=energy", "--tag", "owner=<b>bob</b><script>" + kInjected + "</script>"});
  reg.mreg_json({"register", "power-forecast", "--source", "s3://ml/pf/1", "--run-id", "6f0a0b2c", "--description",
                 "<img src=x onerror=\"" + kInjected + "\">"});
  reg.mreg_json({"stage", "power-forecast", "1", "Production"});
  reg.mreg_json({"model", "create", "grid-load", "--description", "Load per grid cell"});
}

// load-series: 51 versions, to page through (50 a page) with its activity; broken-model: its
// version 2 file broken by hand.
void build_long_and_broken_models(const Registry& reg) {
  reg.mreg_json({"model", "create", "load-series", "--description", "Hourly load"});
  for (int i = 1; i <= 51; ++i) reg.mreg_json({"register", "load-series", "--source", "s3://ml/ls/" + std::to_string(i)});
  reg.mreg_json({"model", "create", "broken-model", "--description", "Reads in part"});
  reg.mreg_json({"register", "broken-model", "--source", "s3://ml/b/1"});
  reg.mreg_json({"register", "broken-model", "--source", "s3://ml/b/2"});
  const std::string path = "models/broken-model/versions/2.yaml";
  write_file(reg.path() + "/" + path, replace_line(reg.show(path), "created_by:", "created_by: [unclosed"));
  reg.hand_commit("Break " + path + " by hand");
}

}  // namespace serve_browser

TEST_CASE("serve in a browser: search, open a model and a version, page and filter, every page fits and passes axe",
          "[serve][browser]") {
  using namespace serve_browser;
  if (!has_command("node") || access(kChromium.c_str(), X_OK) != 0) {
    // ctest reports this test as skipped on this line (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt).
    std::cout << "mreg-test-skipped: node or " << kChromium << " is missing (scripts/deps installs them)" << std::endl;
    return;
  }
  INFO("playwright-core is installed by scripts/deps (npm ci in tests/browser)");
  REQUIRE(access((kBrowserDir + "/node_modules/playwright-core/package.json").c_str(), R_OK) == 0);

  Registry reg;
  build_registry(reg);
  build_long_and_broken_models(reg);
  Server server({"--repo", reg.path(), "--base-path", "/registry"});
  const Result r = run({"timeout", "120", "node", kBrowserDir + "/browse.mjs", server.url("/registry/"), kChromium});
  INFO(describe(r) << "\nserver log:\n" << server.log());
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Contains("checks passed"));

  // The server saw a person's visit: the search the form sent, then the two pages clicked.
  const std::string log = server.log();
  CHECK_THAT(log, Contains("GET /registry/?q=power&sort=name 200"));
  CHECK_THAT(log, Contains("GET /registry/models/power-forecast 200"));
  CHECK_THAT(log, Contains("GET /registry/models/power-forecast/versions/1 200"));
  CHECK_THAT(log, !Contains("injected"));
  // The activity's form sent its filters, and the page links kept them.
  CHECK_THAT(log, Contains("GET /registry/activity?model=load-series&type=registered&author=TEST 200"));
  CHECK_THAT(log, Contains("GET /registry/activity?model=load-series&type=registered&author=TEST&page=2 200"));
  CHECK_THAT(log, Contains("GET /registry/activity?page=x 400"));
}
