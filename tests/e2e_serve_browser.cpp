// mreg serve in a real browser: headless Chromium (Debian's package, installed by scripts/deps)
// opens the models page, searches with the page's own form, follows the links a person would
// click to a model and a version, and shows that a <script> in a description stays text and
// never runs.
#include "support/harness.h"
#include "support/server.h"

#include <regex>

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

// The DOM after Chromium loaded the page and ran whatever it would run.
std::string rendered_dom(const std::string& url) {
  TempDir profile;
  Result r = run({"timeout", "60", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--user-data-dir=" + profile.path(), "--dump-dom", url});
  INFO(describe(r));
  REQUIRE(r.status == 0);
  REQUIRE_THAT(r.out, Contains("</html>"));
  return r.out;
}

// The href of the first <a> whose text is `text`, as the browser has it in its DOM.
std::string href_of(const std::string& dom, const std::string& text) {
  static const std::regex anchor("<a[^>]*href=\"([^\"]*)\"[^>]*>([^<]*)</a>");
  for (std::sregex_iterator it(dom.begin(), dom.end(), anchor), end; it != end; ++it)
    if ((*it)[2].str() == text) return std::regex_replace((*it)[1].str(), std::regex("&amp;"), "&");
  FAIL("no link '" << text << "' in:\n" << dom);
  return "";
}

}  // namespace

TEST_CASE("serve in a browser: search, open a model and a version, and an injected script never runs",
          "[serve][browser]") {
  Registry reg;
  reg.mreg_json({"model", "create", "power-forecast", "--description",
                 "Wind power. <script>document.title='pwned';document.body.innerHTML='pwned'</script>"});
  reg.mreg_json({"register", "power-forecast", "--source", "s3://ml/pf/1", "--run-id", "6f0a"});
  reg.mreg_json({"stage", "power-forecast", "1", "Production"});
  reg.mreg_json({"model", "create", "grid-load"});
  Server server({"--repo", reg.path(), "--base-path", "/registry"});

  const std::string models = rendered_dom(server.url("/registry/"));
  CHECK_THAT(models, Contains("<title>Models · mreg</title>"));
  CHECK_THAT(models, Contains(">grid-load</a>"));

  // The search form, as the browser has it: GET to its action with the field's name.
  std::smatch form;
  REQUIRE(std::regex_search(models, form, std::regex("<form class=\"search\" method=\"get\" action=\"([^\"]+)\">")));
  REQUIRE_THAT(models, Contains("<input type=\"search\" name=\"q\""));
  const std::string found = rendered_dom(server.url(form[1].str() + "?q=power"));
  CHECK_THAT(found, Contains(">power-forecast</a>"));
  CHECK_THAT(found, !Contains(">grid-load</a>"));

  // The model page through the link on the search result.
  const std::string model = rendered_dom(server.url(href_of(found, "power-forecast")));
  CHECK_THAT(model, Contains("<title>power-forecast · mreg</title>"));  // the script did not retitle the page
  CHECK_THAT(model, Contains("<h1>power-forecast</h1>"));                // nor replace the body
  CHECK_THAT(model, Contains("Wind power. &lt;script&gt;document.title='pwned'"));  // it reads as text
  CHECK_THAT(model, !Contains("<script"));

  // The version page through the versions table.
  const std::string version = rendered_dom(server.url(href_of(model, "Version 1")));
  CHECK_THAT(version, Contains("<h1>power-forecast version 1</h1>"));
  CHECK_THAT(version, Contains("<code>s3://ml/pf/1</code>"));
  CHECK_THAT(version, Contains(">Production</span>"));
}
