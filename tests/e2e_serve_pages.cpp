// mreg serve, the HTML pages: what a person reads on them, escaping of everything that comes
// from the repository, and clear errors for bad or hostile requests.
#include <filesystem>

#include "support/harness.h"
#include "support/lifecycle.h"
#include "support/server.h"

using namespace e2e;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string kHostile = "<script>document.title='pwned'</script>";

// power-forecast: a Markdown description with a script in it, a hostile tag, v1 (run link,
// requested for Staging), v2 (Production, alias champion); grid-load: plain.
void build_registry(const Registry& reg) {
  int k = 1;
  auto write = [&](std::vector<std::string> args) { reg.mreg_json(std::move(args), dated(minute(k++))); };
  write({"model", "create", "power-forecast", "--description",
         "Forecasts wind power. " + kHostile + "\n\n## Inputs\n- **weather** forecasts\n  from two providers\n- [docs](https://docs.example.com/pf)"
         " and [bad](javascript:alert(1)) and [worse](/\\evil.example)\n",
         "--tag", "owner=<b>bob</b>"});
  write({"register", "power-forecast", "--source", "s3://ml/pf/1", "--run-id", "6f0a0b2c", "--run-link",
         "https://tracking.example.com/#/experiments/1/runs/6f0a0b2c", "--experiment-id", "1"});
  write({"register", "power-forecast", "--source", "s3://ml/pf/2", "--description",
         "| metric | value |\n|---|---|\n| MAE | 0.41 |\n\n<img src=x onerror=alert(4)>", "--run-id", "77aa", "--run-link",
         "javascript:alert(2)", "--tag", "note=<img src=x onerror=alert(3)>"});
  write({"stage", "power-forecast", "2", "Production", "--comment", "ship it"});
  write({"alias", "set", "power-forecast", "champion", "2"});
  write({"request", "power-forecast", "1", "--to", "Staging", "--comment", "try <i>v1</i>"});
  write({"model", "create", "grid-load", "--description", "Load per grid cell\nsecond line"});
}

struct Served {
  Registry reg;
  Server server;
  explicit Served(std::vector<std::string> args = {})
      : reg(), server((build_registry(reg), args.insert(args.begin(), {"--repo", reg.path()}), args)) {}
};

std::string page_of(const Server& s, const std::string& path, int status = 200) {
  auto r = s.get(path);
  INFO(path << " -> " << r->status << "\n" << r->body);
  CHECK(r->status == status);
  CHECK_THAT(r->get_header_value("Content-Type"), StartsWith("text/html"));
  // No script of any origin runs, even one that escaping missed.
  CHECK_THAT(r->get_header_value("Content-Security-Policy"), StartsWith("default-src 'none';"));
  CHECK_THAT(r->get_header_value("Content-Security-Policy"), !Contains("script-src"));
  return r->body;
}

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("serve pages: the models page lists, searches and sorts models", "[serve][pages]") {
  Served s;
  const std::string html = page_of(s.server, "/");
  CHECK_THAT(html, Contains("<a href=\"/models/power-forecast\">power-forecast</a>"));
  CHECK_THAT(html, Contains("<a href=\"/models/grid-load\">grid-load</a>"));
  CHECK_THAT(html, Contains(">Production</span> v2</a>"));        // latest per stage
  CHECK_THAT(html, Contains("<span class=\"alias\">@champion</span>&rarr; v2"));
  CHECK_THAT(html, Contains("Load per grid cell"));
  CHECK_THAT(html, !Contains("second line"));                     // the first line only
  CHECK_THAT(html, Contains("datetime=\"" + minute(7) + "\""));  // last modified
  // The registry id, each model's tags and number of versions.
  const std::string id = scalar_line(s.reg.show("mreg.yaml"), "registry");
  CHECK_THAT(html, Contains("Registry <code>" + id + "</code> at commit"));
  CHECK_THAT(html, Contains("<span class=\"tag\">owner=&lt;b&gt;bob&lt;/b&gt;</span>"));
  CHECK_THAT(html, Contains("<td data-label=\"Versions\" class=\"number\">2</td>"));
  CHECK_THAT(html, Contains("<td data-label=\"Versions\" class=\"number\">0</td>"));
  // The description's script is text, not markup.
  CHECK_THAT(html, Contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
  CHECK_THAT(html, !Contains(kHostile));
  // Sorted by name, or by last modified.
  CHECK(html.find("/models/grid-load\"") < html.find("/models/power-forecast\""));
  const std::string by_update = page_of(s.server, "/?sort=updated");
  CHECK(by_update.find("/models/grid-load\"") < by_update.find("/models/power-forecast\""));

  // The search box: words found in names, descriptions and tags, case ignored; the form works
  // without script (GET) and has a label.
  CHECK_THAT(html, Contains("<form class=\"search\" role=\"search\" method=\"get\" action=\"/\">"
                            "<label for=\"q\">Search models</label><input type=\"search\" id=\"q\""));
  const std::string found = page_of(s.server, "/?q=POWER-fore&sort=name");
  CHECK_THAT(found, Contains("/models/power-forecast\""));
  CHECK_THAT(found, !Contains("/models/grid-load\""));
  CHECK_THAT(found, Contains("value=\"POWER-fore\""));
  CHECK_THAT(page_of(s.server, "/?q=load+GRID"), Contains("/models/grid-load\""));  // '+' is a space; every word
  CHECK_THAT(page_of(s.server, "/?q=grid+power"), Contains("No models."));
  const std::string by_description = page_of(s.server, "/?q=Wind");
  CHECK_THAT(by_description, Contains("/models/power-forecast\""));
  CHECK_THAT(by_description, !Contains("/models/grid-load\""));
  CHECK_THAT(page_of(s.server, "/?q=bob"), Contains("1 model matching"));  // a tag's value
  const std::string none = page_of(s.server, "/?q=%3Cscripts%3E");
  CHECK_THAT(none, Contains("No models."));
  CHECK_THAT(none, Contains("value=\"&lt;scripts&gt;\""));
  // A filter in MLflow's grammar, as mreg search takes it; a broken one says what is wrong.
  const std::string by_tag = page_of(s.server, "/?q=" + query_escape("tags.owner = '<b>bob</b>'"));
  CHECK_THAT(by_tag, Contains("/models/power-forecast\""));
  CHECK_THAT(by_tag, !Contains("/models/grid-load\""));
  CHECK_THAT(page_of(s.server, "/?q=" + query_escape("name LIKE 'grid%'")), Contains("/models/grid-load\""));
  // A filter that does not parse is an error page (400) with the search to correct, not "0 models".
  const std::string broken = page_of(s.server, "/?q=" + query_escape("name = 'grid"), 400);
  CHECK_THAT(broken, Contains("<p class=\"error\" role=\"alert\" id=\"filter-error\">Invalid filter: "));
  CHECK_THAT(broken, Contains("is not closed"));
  CHECK_THAT(broken, Contains("aria-invalid=\"true\""));
  CHECK_THAT(broken, Contains("value=\"name = &#39;grid\""));
  CHECK_THAT(broken, !Contains("matching"));
  CHECK_THAT(broken, !Contains("/models/grid-load\""));

  // The same URL after a write shows the new state (answers are kept per commit, and
  // summaries by folder): a new model, and a new version of a model listed before.
  CHECK_THAT(html, Contains(">None</span> v1</a>"));
  s.reg.mreg_json({"model", "create", "solar-yield"});
  s.reg.mreg_json({"register", "power-forecast", "--source", "s3://ml/pf/3"});
  const std::string after = page_of(s.server, "/");
  CHECK_THAT(after, Contains("/models/solar-yield\""));
  CHECK_THAT(after, Contains(">None</span> v3</a>"));
  CHECK_THAT(after, !Contains(">None</span> v1</a>"));
}

TEST_CASE("serve pages: the models page comes in pages of 50", "[serve][pages]") {
  Registry reg;
  for (int i = 0; i < 51; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "m%02d", i);
    reg.mreg_json({"model", "create", name});
  }
  Server server({"--repo", reg.path()});
  const std::string first = page_of(server, "/");
  CHECK(count(first, "<tr><td data-label=\"Name\"><a href=\"/models/m") == 50);
  CHECK_THAT(first, Contains("Page 1 of 2"));
  CHECK_THAT(first, Contains("<a rel=\"next\" href=\"/?sort=name&amp;page=2\">Next &rarr;</a>"));
  const std::string second = page_of(server, "/?sort=name&page=2");
  CHECK(count(second, "<tr><td data-label=\"Name\"><a href=\"/models/m") == 1);
  CHECK_THAT(second, Contains("/models/m50\""));
  CHECK_THAT(second, Contains("rel=\"prev\""));
  // A page past the end shows the last one.
  CHECK_THAT(page_of(server, "/?page=99"), Contains("/models/m50\""));
}

TEST_CASE("serve pages: a transition moves its model's last-modified time, on the pages and in the API",
          "[serve][pages]") {
  Served s;
  // The fixture's grid-load (minute 7) was modified after power-forecast (its alias, minute 5).
  CHECK(page_of(s.server, "/?sort=updated").find("/models/grid-load\"") <
        page_of(s.server, "/?sort=updated").find("/models/power-forecast\""));
  s.reg.mreg_json({"stage", "power-forecast", "1", "Staging"}, dated(minute(8)));
  // The move still writes only the version's file...
  CHECK(s.reg.git_ok({"diff", "--name-only", "HEAD~1", "HEAD"}) == "models/power-forecast/versions/1.yaml");
  // ...and the model reads as modified by it, as in MLflow: first by last modified, on every reader.
  const std::string by_update = page_of(s.server, "/?sort=updated");
  CHECK(by_update.find("/models/power-forecast\"") < by_update.find("/models/grid-load\""));
  CHECK_THAT(page_of(s.server, "/models/power-forecast"), Contains("last modified <time datetime=\"" + minute(8) + "\""));
  auto api = [&](const std::string& path) {
    auto r = s.server.get("/api/2.0/mlflow/" + path);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return nlohmann::json::parse(r->body);
  };
  const auto ms = rfc3339_ms(minute(8));
  CHECK(api("registered-models/get?name=power-forecast")["registered_model"]["last_updated_timestamp"] == ms);
  const auto found = api("registered-models/search?order_by=last_updated_timestamp+DESC")["registered_models"];
  CHECK(found[0]["name"] == "power-forecast");
  CHECK(found[0]["last_updated_timestamp"] == ms);
  CHECK(s.reg.mreg_json({"model", "show", "power-forecast"})["registered_model"]["last_updated_timestamp"] == ms);
}

TEST_CASE("serve pages: a model's versions and the activity come a page at a time, newest first, filtered",
          "[serve][pages]") {
  Registry reg;
  reg.mreg_json({"model", "create", "long"});
  for (int i = 1; i <= 51; ++i) reg.mreg_json({"register", "long", "--source", "s3://l/" + std::to_string(i)});
  reg.mreg_json({"stage", "long", "3", "Production"}, {"GIT_AUTHOR_NAME=Alice Smith", "GIT_AUTHOR_EMAIL=alice@example.com"});
  Server server({"--repo", reg.path()});

  // Versions: 51 -> 2 on page 1, 1 on page 2; a page past the end shows the last.
  const std::string first = page_of(server, "/models/long");
  CHECK(count(first, "<tr><td data-label=\"Version\">") == 50);
  CHECK(first.find(">Version 51</a>") < first.find(">Version 2</a>"));
  CHECK_THAT(first, !Contains(">Version 1</a>"));
  CHECK_THAT(first, Contains("51 versions"));
  CHECK_THAT(first, Contains("<a rel=\"next\" href=\"/models/long?page=2\">Older &rarr;</a>"));
  const std::string second = page_of(server, "/models/long?page=2");
  CHECK(count(second, "<tr><td data-label=\"Version\">") == 1);
  CHECK_THAT(second, Contains(">Version 1</a>"));
  CHECK_THAT(second, Contains("<a rel=\"prev\" href=\"/models/long\">&larr; Newer</a>"));
  CHECK_THAT(page_of(server, "/models/long?page=9"), Contains("Page 2 of 2"));
  // Its activity: the 50 newest events, and a link to the older ones on the activity page.
  CHECK(count(first, "<tr><td><time") == 50);
  CHECK_THAT(first, Contains("href=\"/activity?model=long&amp;page=2\">Older activity &rarr;</a>"));
  const std::string older = page_of(server, "/activity?model=long&page=2");
  CHECK_THAT(older, Contains("model created <a href=\"/models/long\">long</a>"));  // the oldest: 53 events in all
  CHECK(count(older, "<tr><td><time") == 3);

  // The activity filtered by kind and author; the links between pages keep the filters.
  const std::string registered = page_of(server, "/activity?type=registered&model=long");
  CHECK(count(registered, "<tr><td><time") == 50);
  CHECK_THAT(registered, !Contains("model created"));
  CHECK_THAT(registered, Contains("<option selected>registered</option>"));
  CHECK_THAT(registered, Contains("href=\"/activity?model=long&amp;type=registered&amp;page=2\">Older &rarr;</a>"));
  CHECK(count(page_of(server, "/activity?model=long&type=registered&page=2"), "<tr><td><time") == 1);
  const std::string by_alice = page_of(server, "/activity?author=ALICE%40example");
  CHECK(count(by_alice, "<tr><td><time") == 1);
  CHECK_THAT(by_alice, Contains("None &rarr; Production"));
  CHECK_THAT(by_alice, Contains("value=\"ALICE@example\""));
  CHECK_THAT(page_of(server, "/activity?model=other"), Contains("No activity."));
}

TEST_CASE("serve pages: a model page shows description, tags, aliases, versions, requests and activity",
          "[serve][pages]") {
  Served s({"--commit-url", "https://git.example.com/acme/registry/commit/{sha}"});
  const std::string html = page_of(s.server, "/models/power-forecast");
  // Markdown, safely: a heading, a list, strong text and a web link; no script, no javascript: link.
  CHECK_THAT(html, Contains("<h4>Inputs</h4>"));
  // A continuation line stays in its item, and the list goes on after it.
  CHECK_THAT(html, Contains("<li><strong>weather</strong> forecasts\nfrom two providers</li>\n<li>"));
  CHECK_THAT(html, Contains("<a href=\"https://docs.example.com/pf\" rel=\"nofollow noopener\">docs</a>"));
  CHECK_THAT(html, Contains(" and bad and worse</li>"));  // unsafe links keep their text only
  CHECK_THAT(html, !Contains("href=\"javascript"));
  CHECK_THAT(html, !Contains("evil.example"));
  CHECK_THAT(html, !Contains(kHostile));
  CHECK_THAT(html, Contains("&lt;b&gt;bob&lt;/b&gt;"));  // the tag value
  CHECK_THAT(html, Contains("<span class=\"alias\">@champion</span> &rarr; <a href=\"/models/power-forecast/versions/2\">"));
  // The versions table, newest first, with the run linked through its run_link.
  CHECK_THAT(html, Contains("<a href=\"/models/power-forecast/versions/2\">Version 2</a>"));
  CHECK(html.find(">Version 2</a>") < html.find(">Version 1</a>"));
  CHECK_THAT(html, Contains("<a href=\"https://tracking.example.com/#/experiments/1/runs/6f0a0b2c\"><code>6f0a0b2c</code></a>"));
  CHECK_THAT(html, Contains("<code>77aa</code>"));  // a javascript: run_link is not a link
  // The open request with its approval count, its comment escaped.
  CHECK_THAT(html, Contains("None &rarr; Staging<div class=\"comment\"><p>try &lt;i&gt;v1&lt;/i&gt;</p>\n</div>"));
  CHECK_THAT(html, Contains("0 approval files"));
  // Activity, newest first, each change linked to its commit on the git host.
  CHECK_THAT(html, Contains("moved <a href=\"/models/power-forecast\">power-forecast</a> "
                            "<a href=\"/models/power-forecast/versions/2\">v2</a>: None &rarr; Production"));
  const std::string request_commit = s.reg.git_ok({"rev-parse", "HEAD~1"});
  CHECK_THAT(html, Contains("href=\"https://git.example.com/acme/registry/commit/" + request_commit + "\""));
  CHECK(html.find("requested ") < html.find("moved "));

  CHECK_THAT(page_of(s.server, "/models/grid-load"), Contains("No versions yet."));
}

TEST_CASE("serve pages: a version page shows its fields, lineage, stage history and requests", "[serve][pages]") {
  Served s;
  const std::string v2 = page_of(s.server, "/models/power-forecast/versions/2");
  CHECK_THAT(v2, Contains("<h1>power-forecast version 2</h1>"));
  CHECK_THAT(v2, Contains("<dt>Source</dt><dd><code>s3://ml/pf/2</code></dd>"));
  CHECK_THAT(v2, Contains("<dt>Run</dt><dd><code>77aa</code></dd>"));
  CHECK_THAT(v2, Contains("<dt>Run link</dt><dd>javascript:alert(2)</dd>"));
  CHECK_THAT(v2, Contains("<dt>Aliases</dt><dd><span class=\"alias\">@champion</span></dd>"));
  CHECK_THAT(v2, Contains("note</td><td>&lt;img src=x onerror=alert(3)&gt;"));
  CHECK_THAT(v2, !Contains("<img"));
  // The version's description is Markdown too: a table, and its HTML shown as text.
  CHECK_THAT(v2, Contains("<dt>Description</dt><dd><div class=\"description\"><table>"));
  CHECK_THAT(v2, Contains("<td>MAE</td>\n<td>0.41</td>"));
  CHECK_THAT(v2, Contains("<p>&lt;img src=x onerror=alert(4)&gt;</p>"));
  // Stage history: in None from its registration, in Production since the move.
  CHECK_THAT(v2, Contains("<span class=\"stage stage-Production\">Production</span></td><td><time datetime=\"" +
                          minute(4) + "\""));
  CHECK_THAT(v2, Contains("(now)"));
  CHECK_THAT(v2, Contains("ship it"));  // the move's comment, in the activity

  const std::string v1 = page_of(s.server, "/models/power-forecast/versions/1");
  CHECK_THAT(v1, Contains("<dt>Experiment</dt><dd>1</dd>"));
  CHECK_THAT(v1, Contains("<a href=\"https://tracking.example.com/#/experiments/1/runs/6f0a0b2c\">"));
  CHECK_THAT(v1, Contains("None &rarr; Staging"));
  CHECK_THAT(v1, Contains("0 approval files"));

  // History read since the last page (the server keeps what it indexed) shows the commits
  // that are new: a comment (an empty commit) and a move.
  s.reg.mreg_json({"comment", "power-forecast", "1", "looks <b>good</b>"});
  s.reg.mreg_json({"stage", "power-forecast", "1", "Archived"});
  const std::string after = page_of(s.server, "/models/power-forecast/versions/1");
  CHECK_THAT(after, Contains("comment on <a href=\"/models/power-forecast\">power-forecast</a> "
                             "<a href=\"/models/power-forecast/versions/1\">v1</a>:<div class=\"comment\"><p>looks &lt;b&gt;good&lt;/b&gt;</p>"));
  CHECK_THAT(after, Contains("<span class=\"stage stage-Archived\">Archived</span></td><td><time"));
  const auto activity = after.find("<h2>Activity</h2>");
  CHECK(after.find("moved ", activity) < after.find("comment on ", activity));  // newest first
  // The comment also has a section of its own.
  CHECK(after.find("<h2>Comments</h2>") < after.find("comment on "));
  CHECK(after.find("comment on ") < activity);
}

TEST_CASE("serve pages: the activity feed lists every change, newest first", "[serve][pages]") {
  Served s;
  const std::string html = page_of(s.server, "/activity");
  CHECK_THAT(html, Contains("model created <a href=\"/models/grid-load\">grid-load</a>"));
  CHECK_THAT(html, Contains("alias <span class=\"alias\">@champion</span>"));
  CHECK(html.find("grid-load") < html.find("@champion"));
  CHECK(html.find("@champion") < html.find("registered <a href=\"/models/power-forecast\">"));
  CHECK_THAT(html, !Contains(kHostile));
}

TEST_CASE("serve pages: after a rename, events link their request under the model's current name",
          "[serve][pages]") {
  Registry reg;
  reg.mreg_json({"register", "old-name", "--create-model", "--source", "s3://b/1"});
  const std::string id = reg.mreg_json({"request", "old-name", "1", "--to", "Staging"})["request"]["id"];
  // A model with request files cannot be renamed: they are taken out by hand first.
  std::filesystem::remove_all(reg.path() + "/models/old-name/requests");
  reg.hand_commit("drop the request files");
  reg.mreg_json({"model", "rename", "old-name", "new-name"});
  Server server({"--repo", reg.path()});
  for (const std::string path : {"/activity", "/models/new-name"}) {
    INFO(path);
    const std::string html = page_of(server, path);
    CHECK_THAT(html, Contains("(request <a href=\"/models/new-name/requests/" + id + "\"><code>" + id + "</code></a>)"));
    CHECK_THAT(html, !Contains("/models/old-name/requests/"));
  }
}

TEST_CASE("serve pages: bad and hostile requests get clear errors and the server keeps serving",
          "[serve][pages]") {
  Served s({"--base-path", "/registry"});
  CHECK_THAT(page_of(s.server, "/registry/models/nope", 404), Contains("Registered Model with name=nope not found"));
  CHECK_THAT(page_of(s.server, "/registry/models/power-forecast/versions/abc", 404),
             Contains("a version is a positive whole number"));
  CHECK_THAT(page_of(s.server, "/registry/models/power-forecast/versions/9", 404), Contains("version=9"));
  CHECK_THAT(page_of(s.server, "/registry/models/%3Cscript%3E", 404), Contains("&lt;script&gt;"));
  CHECK_THAT(page_of(s.server, "/registry/nothing/here", 404), Contains("There is no page at /registry/nothing/here"));
  // Path traversal leads nowhere outside the registry.
  for (const std::string path : {"/registry/models/..%2F..%2F..%2Fetc%2Fpasswd", "/registry/models/../../etc/passwd",
                                 "/registry/../../../../etc/passwd", "/registry/models/%2e%2e/versions/1"}) {
    auto r = s.server.get(path);
    INFO(path << " -> " << r->status << "\n" << r->body);
    CHECK(r->status == 404);
    CHECK_THAT(r->body, !Contains("root:"));
  }
  // A malformed query string is read as far as it goes; a parameter that does not fit is a 400
  // page naming it.
  CHECK_THAT(page_of(s.server, "/registry/?q=%zz&sort=name"), Contains("No models."));
  CHECK_THAT(page_of(s.server, "/registry/?q=%zz&sort=%&page=1", 400), Contains("sort: &#39;%&#39; is not a way to sort"));
  for (const std::string bad : {"-1", "0", "x", "1e3", "9999999", "%00"})
    for (const std::string path : {"/registry/?page=", "/registry/models/power-forecast?page=", "/registry/activity?page="})
      CHECK_THAT(page_of(s.server, path + bad, 400), Contains("page: &#39;"));
  CHECK_THAT(page_of(s.server, "/registry/activity?type=nope", 400), Contains("type: &#39;nope&#39; is not a kind of event"));
  // "../x" is a name like any other (no activity); a control character is in no name.
  CHECK_THAT(page_of(s.server, "/registry/activity?model=..%2Fx", 200), Contains("No activity."));
  CHECK_THAT(page_of(s.server, "/registry/activity?model=a%09b", 400), Contains("model: "));
  // A page takes no writes.
  auto post = s.server.client().Post("/registry/models/power-forecast", "x", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);

  // A 10 MB query: refused, and the server goes on.
  {
    RawConnection c(s.server.port());
    c.send("GET /registry/?q=" + std::string(10 << 20, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string answer = c.read_headers();
    INFO(answer.substr(0, 200));
    CHECK_THAT(answer, StartsWith("HTTP/1.1 414"));
  }
  // Idle and trickling connections do not keep others waiting.
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 12; ++i) {
    idle.push_back(std::make_unique<RawConnection>(s.server.port()));
    idle.back()->send("GET /registry/ HTTP/1.1\r\nHost: x\r\n");
  }
  CHECK_THAT(page_of(s.server, "/registry/"), Contains("power-forecast"));
  CHECK(s.server.get("/registry/api/2.0/mlflow/registered-models/get?name=grid-load")->status == 200);
}
