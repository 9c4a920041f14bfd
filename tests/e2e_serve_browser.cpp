// mreg serve in a real browser: Debian's Chromium, driven by playwright-core (tests/browser,
// installed by scripts/deps with npm ci), types a search into the models page, clicks through to
// a model and a version, then a request, the activity's approvals and a comparison of versions;
// reads what a person would read, and finds that the scripts injected into descriptions, tags and
// comments never ran and that no hostile Markdown link became one that acts; pages through a long
// model and the filtered activity; and checks every kind of page at 400 and 1400 px and with
// axe-core. Skipped (ctest says so) only where node or chromium is missing.
#include "support/approvals.h"
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

// Markdown links no page may turn into a link that acts: a backslash host, javascript: in every
// case variant, with an entity, a space or as an autolink; and HTML in a link's text.
std::string hostile_links(bool every_case) {
  std::string out = "[slash](/\\evil.example) [entity](&#106;avascript:alert(1)) [space]( javascript:alert(1)) "
                    "<javascript:alert(1)> [<b>bold</b> <img src=x onerror=\"" + kInjected + "\">](https://docs.example.com/ok)\n\n";
  const std::string word = "javascript";
  const int variants = every_case ? 1 << 10 : 4;
  for (int bits = 0; bits < variants; ++bits) {
    std::string scheme = word;
    for (int i = 0; i < 10; ++i)
      if ((every_case ? bits : bits * 0x155) >> i & 1) scheme[i] = static_cast<char>(std::toupper(scheme[i]));
    out += "[js" + std::to_string(bits) + "](" + scheme + ":alert(1)) ";
  }
  return out + "\n";
}

// Model m of the approval fixture: carol asks for v1 in Production (a hostile comment), alice
// approves, mallory signs as bob (a forged approval); v3 has a signature, hostile links in its
// description (javascript: in all 1024 case variants) and in a comment.
void build_reviews(const ApprovalFixture& fx) {
  // The policy protects m only, so that the other models move freely.
  REQUIRE(fx.adopt_policy(with_rule_line(fx.policy_text(2), "models", "[m]")) == 3);
  const std::string id = fx.request_change("carol", 1, {"--to", "Production", "--comment", hostile_links(false)});
  REQUIRE_EXIT(fx.approve("alice", id), 0);
  const SignedApproval bob = fx.print_approval("bob", id);
  fx.commit_files({{approval_file(id, "bob"), bob.payload},
                   {approval_file(id, "bob") + ".sig", ssh_sign(fx.key("mallory"), bob.payload)}},
                  "approve as bob", as("mallory"));
  const std::string dir = fx.reg.dir / "model-3";
  write_file(dir + "/MLmodel", "flavors:\n  python_function: {}\nsignature:\n  inputs: '[{\"name\": \"temp\", \"type\": "
                               "\"long\"}, {\"name\": \"gust\", \"type\": \"double\", \"required\": false}]'\n"
                               "  outputs: '[{\"type\": \"double\"}]'\n");
  write_file(dir + "/model.pkl", "weights\n");
  fx.reg.mreg_json({"register", "m", "--model-dir", dir, "--source", "s3://ml/m/3/" + std::string(300, 'x'),
                    "--description", "Third try.\n\n" + hostile_links(true)});
  fx.reg.mreg_json({"comment", "m", "3", "see " + hostile_links(false)});
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

TEST_CASE("serve in a browser: search, open a model, a version, a request and a comparison, page and filter, "
          "every page fits and passes axe, and an injected script never runs",
          "[serve][browser]") {
  using namespace serve_browser;
  if (!has_command("node") || access(kChromium.c_str(), X_OK) != 0) {
    // ctest reports this test as skipped on this line (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt).
    std::cout << "mreg-test-skipped: node or " << kChromium << " is missing (scripts/deps installs them)" << std::endl;
    return;
  }
  INFO("playwright-core is installed by scripts/deps (npm ci in tests/browser)");
  REQUIRE(access((kBrowserDir + "/node_modules/playwright-core/package.json").c_str(), R_OK) == 0);

  ApprovalFixture fx;
  build_reviews(fx);
  build_registry(fx.reg);
  build_long_and_broken_models(fx.reg);
  Server server({"--repo", fx.reg.path(), "--base-path", "/registry"});
  const Result r = run({"timeout", "120", "node", kBrowserDir + "/browse.mjs", server.url("/registry/"), kChromium});
  INFO(describe(r) << "\nserver log:\n" << server.log());
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Contains("checks passed"));

  // The server saw a person's visit: the search the form sent, then the two pages clicked.
  const std::string log = server.log();
  CHECK_THAT(log, Contains("GET /registry/?q=power&sort=name 200"));
  CHECK_THAT(log, Contains("GET /registry/models/power-forecast 200"));
  CHECK_THAT(log, Contains("GET /registry/models/power-forecast/versions/1 200"));
  CHECK_THAT(log, Contains("GET /registry/models/m/compare?v=3&v=1 200"));
  CHECK_THAT(log, !Contains("injected"));
  // The activity's form sent its filters, and the page links kept them.
  CHECK_THAT(log, Contains("GET /registry/activity?model=load-series&type=registered&author=TEST 200"));
  CHECK_THAT(log, Contains("GET /registry/activity?model=load-series&type=registered&author=TEST&page=2 200"));
  CHECK_THAT(log, Contains("GET /registry/activity?page=x 400"));
}
