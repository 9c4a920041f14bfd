// mreg serve, the MLflow REST API: the real server on 127.0.0.1 against a registry made with
// the CLI, asked with an HTTP client, checked against MLflow's shapes, errors and statuses.
#include "support/harness.h"
#include "support/lifecycle.h"
#include "support/server.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

const std::string kApi = "/api/2.0/mlflow/";

// fraud-detector: v1 (run abc123, None), v2 (Production, alias champion), v3 (Staging, tag
// validated=true); churn (no versions); churn-legacy. One write a minute, in that order.
void build_registry(const Registry& reg) {
  int k = 1;
  auto write = [&](std::vector<std::string> args) { reg.mreg_json(std::move(args), dated(minute(k++))); };
  write({"model", "create", "fraud-detector", "--description", "Detects card fraud", "--tag", "team=risk",
         "--tag", "owner=bob"});
  write({"register", "fraud-detector", "--source", "s3://demo/m1", "--run-id", "abc123"});
  write({"register", "fraud-detector", "--source", "s3://demo/m2", "--description", "v2"});
  write({"register", "fraud-detector", "--source", "s3://demo/m3", "--tag", "validated=true"});
  write({"stage", "fraud-detector", "2", "Production"});
  write({"stage", "fraud-detector", "3", "Staging"});
  write({"alias", "set", "fraud-detector", "champion", "2"});
  write({"model", "create", "churn"});
  write({"model", "create", "churn-legacy"});
}

struct Served {
  Registry reg;
  Server server;
  Served(std::vector<std::string> args = {})
      : reg(), server((build_registry(reg), args.insert(args.begin(), {"--repo", reg.path()}), args)) {}
};

// GET kApi + path: status and JSON body.
std::pair<int, Json> api_get(const Server& s, const std::string& path) {
  auto r = s.get(kApi + path);
  return {r->status, json_body(r)};
}

void check_error(const std::pair<int, Json>& got, int status, const std::string& code, const std::string& message) {
  INFO(got.second.dump());
  CHECK(got.first == status);
  CHECK(got.second["error_code"] == code);
  CHECK_THAT(got.second["message"].get<std::string>(), Contains(message));
  CHECK(got.second.size() == 2);
}

std::vector<std::string> names_of(const Json& list, const char* key) {
  std::vector<std::string> out;
  for (const auto& item : list_field(list, key)) out.push_back(item.at("name").get<std::string>());
  return out;
}

// `count` connections that send `start`, then a byte every 200 ms until the end of the scope.
class Trickle {
 public:
  Trickle(int port, int count, const std::string& start) {
    for (int i = 0; i < count; ++i) {
      connections_.push_back(std::make_unique<RawConnection>(port));
      connections_.back()->send(start);
    }
    thread_ = std::thread([this] {
      while (!done_) {
        for (auto& c : connections_) c->send("x");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }
  ~Trickle() {
    done_ = true;
    thread_.join();
  }

 private:
  std::vector<std::unique_ptr<RawConnection>> connections_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("serve: registered-models/get answers MLflow's RegisteredModel", "[serve][api]") {
  Served s;
  auto [status, body] = api_get(s.server, "registered-models/get?name=fraud-detector");
  REQUIRE(status == 200);
  const Json& m = body.at("registered_model");
  CHECK(m["name"] == "fraud-detector");
  CHECK(m["description"] == "Detects card fraud");
  CHECK(m["creation_timestamp"] == rfc3339_ms(minute(1)));
  CHECK(m["last_updated_timestamp"] == rfc3339_ms(minute(7)));  // the alias was the last change
  CHECK(tag_map(m["tags"]) == std::map<std::string, std::string>{{"team", "risk"}, {"owner", "bob"}});
  CHECK(m["aliases"] == Json::parse(R"([{"alias": "champion", "version": "2"}])"));
  // Latest per stage, in MLflow's order (its stages as their lowest versions have them):
  // None v1, Production v2, Staging v3.
  const Json& latest = m.at("latest_versions");
  REQUIRE(latest.size() == 3);
  CHECK(latest[0]["version"] == "1");
  CHECK(latest[0]["current_stage"] == "None");
  CHECK(latest[0]["run_id"] == "abc123");
  CHECK(latest[1]["version"] == "2");
  // A model's latest versions carry no aliases, as in MLflow; the model's own `aliases` has them.
  CHECK_FALSE(latest[1].contains("aliases"));
  CHECK(latest[2]["version"] == "3");
  CHECK(latest[2]["current_stage"] == "Staging");
  // Empty strings are sent as MLflow sends them; other empty fields are left out; mreg's own
  // lineage fields are not in MLflow's shape.
  CHECK(latest[2]["run_id"] == "");
  CHECK(latest[2]["run_link"] == "");
  CHECK(latest[0]["description"] == "");
  CHECK(latest[1]["description"] == "v2");
  CHECK_FALSE(latest[1].contains("tags"));
  CHECK_FALSE(latest[1].contains("stage_request"));
  // /ajax-api answers the same.
  CHECK(api_get(s.server, "registered-models/get?name=fraud-detector").second ==
        json_body(s.server.get("/ajax-api/2.0/mlflow/registered-models/get?name=fraud-detector")));
  // A model without versions has no latest_versions, tags or aliases keys.
  Json churn = api_get(s.server, "registered-models/get?name=churn").second["registered_model"];
  CHECK_FALSE(churn.contains("latest_versions"));
  CHECK_FALSE(churn.contains("tags"));
  CHECK_FALSE(churn.contains("aliases"));

  check_error(api_get(s.server, "registered-models/get?name=nope"), 404, "RESOURCE_DOES_NOT_EXIST",
              "Registered Model with name=nope not found");
  check_error(api_get(s.server, "registered-models/get"), 400, "INVALID_PARAMETER_VALUE",
              "Missing value for required parameter 'name'");
}

TEST_CASE("serve: model-versions/get, alias and get-download-uri", "[serve][api]") {
  Served s;
  auto [status, body] = api_get(s.server, "model-versions/get?name=fraud-detector&version=3");
  REQUIRE(status == 200);
  const Json& v = body.at("model_version");
  CHECK(v["name"] == "fraud-detector");
  CHECK(v["version"] == "3");
  CHECK(v["current_stage"] == "Staging");
  CHECK(v["source"] == "s3://demo/m3");
  CHECK(v["status"] == "READY");
  CHECK(v["creation_timestamp"] == rfc3339_ms(minute(4)));
  CHECK(v["last_updated_timestamp"] == rfc3339_ms(minute(6)));
  CHECK(tag_map(v["tags"]) == std::map<std::string, std::string>{{"validated", "true"}});

  check_error(api_get(s.server, "model-versions/get?name=fraud-detector&version=abc"), 400,
              "INVALID_PARAMETER_VALUE", "Model version must be an integer, got 'abc'");
  check_error(api_get(s.server, "model-versions/get?name=fraud-detector&version=99"), 404,
              "RESOURCE_DOES_NOT_EXIST", "Model Version (name=fraud-detector, version=99) not found");
  check_error(api_get(s.server, "model-versions/get?name=fraud-detector&version=0"), 404,
              "RESOURCE_DOES_NOT_EXIST", "version=0");
  check_error(api_get(s.server, "model-versions/get?name=nope&version=1"), 404, "RESOURCE_DOES_NOT_EXIST", "nope");
  check_error(api_get(s.server, "model-versions/get?name=fraud-detector"), 400, "INVALID_PARAMETER_VALUE",
              "Missing value for required parameter 'version'");

  auto by_alias = api_get(s.server, "registered-models/alias?name=fraud-detector&alias=champion");
  CHECK(by_alias.first == 200);
  CHECK(by_alias.second["model_version"]["version"] == "2");
  CHECK(by_alias.second["model_version"]["aliases"] == Json::array({"champion"}));
  // A missing alias is 400, as in MLflow (not 404).
  check_error(api_get(s.server, "registered-models/alias?name=fraud-detector&alias=nope"), 400,
              "INVALID_PARAMETER_VALUE", "Registered model alias nope not found.");

  auto uri = api_get(s.server, "model-versions/get-download-uri?name=fraud-detector&version=2");
  CHECK(uri.first == 200);
  CHECK(uri.second == Json{{"artifact_uri", "s3://demo/m2"}});
  check_error(api_get(s.server, "model-versions/get-download-uri?name=fraud-detector&version=7"), 404,
              "RESOURCE_DOES_NOT_EXIST", "version=7");
}

TEST_CASE("serve: get-latest-versions by GET and by POST, as MLflow clients send it", "[serve][api]") {
  Served s;
  auto all = api_get(s.server, "registered-models/get-latest-versions?name=fraud-detector");
  REQUIRE(all.first == 200);
  std::vector<std::string> versions;
  for (const auto& v : all.second.at("model_versions")) versions.push_back(v["version"]);
  CHECK(versions == std::vector<std::string>{"1", "2", "3"});  // MLflow's order, not the stages'

  auto some = api_get(s.server, "registered-models/get-latest-versions?name=fraud-detector&stages=production&stages=None");
  REQUIRE(some.first == 200);
  REQUIRE(some.second["model_versions"].size() == 2);
  CHECK(some.second["model_versions"][0]["version"] == "1");
  CHECK(some.second["model_versions"][1]["version"] == "2");

  auto client = s.server.client();
  auto post = client.Post((kApi + "registered-models/get-latest-versions").c_str(),
                          R"({"name": "fraud-detector", "stages": ["Staging"]})", "application/json");
  REQUIRE(post);
  CHECK(post->status == 200);
  Json posted = json_body(post);
  REQUIRE(posted["model_versions"].size() == 1);
  CHECK(posted["model_versions"][0]["version"] == "3");

  // No version in the stage: MLflow leaves the empty list out.
  CHECK(api_get(s.server, "registered-models/get-latest-versions?name=fraud-detector&stages=Archived").second ==
        Json::object());
  check_error(api_get(s.server, "registered-models/get-latest-versions?name=fraud-detector&stages=Bogus"), 400,
              "INVALID_PARAMETER_VALUE", "Invalid Model Version stage: Bogus");
  auto bad_body = client.Post((kApi + "registered-models/get-latest-versions").c_str(), "{not json",
                              "application/json");
  REQUIRE(bad_body);
  check_error({bad_body->status, json_body(bad_body)}, 400, "INVALID_PARAMETER_VALUE", "JSON");
}

TEST_CASE("serve: registered-models/search filters, orders and pages as MLflow", "[serve][api]") {
  Served s;
  auto all = api_get(s.server, "registered-models/search");
  REQUIRE(all.first == 200);
  CHECK(names_of(all.second, "registered_models") ==
        std::vector<std::string>{"churn", "churn-legacy", "fraud-detector"});
  CHECK_FALSE(all.second.contains("next_page_token"));

  // One page at a time: every model once, in order, and the last page has no token.
  std::vector<std::string> paged;
  std::string token;
  int pages = 0;
  do {
    auto page = api_get(s.server, "registered-models/search?max_results=1" +
                                      (token.empty() ? "" : "&page_token=" + query_escape(token)));
    REQUIRE(page.first == 200);
    auto names = names_of(page.second, "registered_models");
    REQUIRE(names.size() == 1);
    paged.push_back(names[0]);
    token = page.second.value("next_page_token", "");
    REQUIRE(++pages <= 3);
  } while (!token.empty());
  CHECK(paged == names_of(all.second, "registered_models"));

  CHECK(names_of(api_get(s.server, "registered-models/search?filter=" +
                                       query_escape("name LIKE 'churn%'")).second,
                 "registered_models") == std::vector<std::string>{"churn", "churn-legacy"});
  CHECK(names_of(api_get(s.server, "registered-models/search?filter=" +
                                       query_escape("name ILIKE '%DETECT%'")).second,
                 "registered_models") == std::vector<std::string>{"fraud-detector"});
  CHECK(names_of(api_get(s.server, "registered-models/search?filter=" +
                                       query_escape("tag.team = 'risk'")).second,
                 "registered_models") == std::vector<std::string>{"fraud-detector"});
  // The filter MLflow clients from 2.21 add to every search matches models without the tag.
  CHECK(names_of(api_get(s.server, "registered-models/search?filter=" +
                                       query_escape("name LIKE '%' AND tag.`mlflow.prompt.is_prompt` != 'true'"))
                     .second,
                 "registered_models") == std::vector<std::string>{"churn", "churn-legacy", "fraud-detector"});
  // Newest change first.
  CHECK(names_of(api_get(s.server, "registered-models/search?order_by=" +
                                       query_escape("last_updated_timestamp DESC")).second,
                 "registered_models") == std::vector<std::string>{"churn-legacy", "churn", "fraud-detector"});
  // Nothing found: an empty answer, as MLflow leaves the empty list out.
  CHECK(api_get(s.server, "registered-models/search?filter=" + query_escape("name = 'zzz'")).second ==
        Json::object());

  check_error(api_get(s.server, "registered-models/search?filter=" + query_escape("foo = 'x'")), 400,
              "INVALID_PARAMETER_VALUE", "Invalid attribute key 'foo' specified");
  check_error(api_get(s.server, "registered-models/search?filter=" + query_escape("name = 'x")), 400,
              "INVALID_PARAMETER_VALUE", "quote ' is not closed (at position");
  check_error(api_get(s.server, "registered-models/search?max_results=5000"), 400, "INVALID_PARAMETER_VALUE",
              "Invalid value \"5000\" for parameter 'max_results'");
  check_error(api_get(s.server, "registered-models/search?max_results=ten"), 400, "INVALID_PARAMETER_VALUE",
              "max_results");
  check_error(api_get(s.server, "registered-models/search?page_token=not-a-token"), 400, "INVALID_PARAMETER_VALUE",
              "Invalid page token");
  check_error(api_get(s.server, "registered-models/search?order_by=color"), 400, "INVALID_PARAMETER_VALUE",
              "Invalid attribute key 'color' specified");
}

TEST_CASE("serve: model-versions/search filters by name and run_id and pages", "[serve][api]") {
  Served s;
  auto versions_of = [&](const std::string& query) {
    auto got = api_get(s.server, "model-versions/search?" + query);
    INFO(query << " -> " << got.second.dump());
    REQUIRE(got.first == 200);
    std::vector<std::string> out;
    for (const auto& v : list_field(got.second, "model_versions"))
      out.push_back(v["name"].get<std::string>() + "/" + v["version"].get<std::string>());
    return out;
  };
  // MLflow's order: last updated first.
  CHECK(versions_of("filter=" + query_escape("name='fraud-detector'")) ==
        std::vector<std::string>{"fraud-detector/3", "fraud-detector/2", "fraud-detector/1"});
  CHECK(versions_of("filter=" + query_escape("run_id = 'abc123'")) ==
        std::vector<std::string>{"fraud-detector/1"});
  CHECK(versions_of("filter=" + query_escape("name='nope'")).empty());
  CHECK(versions_of("order_by=version_number+ASC") ==
        std::vector<std::string>{"fraud-detector/1", "fraud-detector/2", "fraud-detector/3"});

  auto first = api_get(s.server, "model-versions/search?max_results=2");
  REQUIRE(first.second["model_versions"].size() == 2);
  REQUIRE(first.second.contains("next_page_token"));
  auto second = api_get(s.server, "model-versions/search?max_results=2&page_token=" +
                                      query_escape(first.second["next_page_token"]));
  REQUIRE(second.second["model_versions"].size() == 1);
  CHECK(second.second["model_versions"][0]["version"] == "1");
  CHECK_FALSE(second.second.contains("next_page_token"));

  // Beyond MLflow, as `mreg search`: the stage a version is in.
  auto in_stage = api_get(s.server, "model-versions/search?filter=" + query_escape("stage = 'Production'"));
  CHECK(in_stage.first == 200);
  REQUIRE(in_stage.second.value("model_versions", nlohmann::json::array()).size() == 1);
  for (const auto& v : in_stage.second.value("model_versions", nlohmann::json::array())) {
    CHECK(v["current_stage"] == "Production");
    CHECK_FALSE(v.contains("aliases"));  // v2 has the alias champion; MLflow's search results carry none
  }
  // MLflow's order keys only, but for models also creation_timestamp (docs/http.md).
  CHECK(api_get(s.server, "model-versions/search?order_by=timestamp").first == 400);
  CHECK(api_get(s.server, "registered-models/search?order_by=timestamp").first == 200);
  check_error(api_get(s.server, "model-versions/search?filter=" + query_escape("colour = 'x'")), 400,
              "INVALID_PARAMETER_VALUE", "Invalid attribute key 'colour'");
}

TEST_CASE("serve: the API is read-only and answers unknown routes with JSON 404", "[serve][api]") {
  Served s;
  const std::string before = s.reg.state();
  auto client = s.server.client();
  const std::string body = R"({"name": "fraud-detector", "version": "1", "stage": "Production", "key": "k", "value": "v"})";
  std::vector<httplib::Result> writes;
  writes.push_back(client.Post((kApi + "registered-models/create").c_str(), R"({"name": "new"})", "application/json"));
  writes.push_back(client.Post((kApi + "model-versions/transition-stage").c_str(), body, "application/json"));
  writes.push_back(client.Post((kApi + "registered-models/alias").c_str(), body, "application/json"));
  writes.push_back(client.Patch((kApi + "registered-models/update").c_str(), body, "application/json"));
  writes.push_back(client.Delete((kApi + "registered-models/delete?name=fraud-detector").c_str()));
  writes.push_back(client.Put((kApi + "registered-models/get").c_str(), body, "application/json"));
  writes.push_back(client.Post("/ajax-api/2.0/mlflow/model-versions/set-tag", body, "application/json"));
  for (const auto& w : writes) {
    REQUIRE(w);
    Json j = json_body(w);
    CHECK(w->status == 403);
    CHECK(j["error_code"] == "PERMISSION_DENIED");
    CHECK_THAT(j["message"].get<std::string>(), Contains("mreg CLI") && Contains("pull request"));
  }
  CHECK(s.reg.state() == before);

  for (const std::string path : {"/api/2.0/mlflow/experiments/search", "/api/2.0/mlflow/registered-models/list",
                                 "/ajax-api/2.0/mlflow/nothing", "/api/2.0/preview/mlflow/x", "/api/"}) {
    auto r = s.server.get(path);
    INFO(path);
    check_error({r->status, json_body(r)}, 404, "ENDPOINT_NOT_FOUND", path);
  }
}

TEST_CASE("serve: bad API requests get clear JSON errors and the server keeps serving", "[serve][api]") {
  Served s;
  // Malformed query strings are read as far as they go, then judged as parameters.
  // A name no model has is not found, whatever it holds, as in MLflow.
  check_error(api_get(s.server, "model-versions/get?name=%zz&version=1"), 404, "RESOURCE_DOES_NOT_EXIST",
              "Registered Model with name=%zz not found");
  check_error(api_get(s.server, "model-versions/get?name&version"), 400, "INVALID_PARAMETER_VALUE",
              "Missing value for required parameter 'name'");
  CHECK(api_get(s.server, "model-versions/get?&&&=&name=fraud-detector&version=1").first == 200);
  check_error(api_get(s.server, "model-versions/get?name=fraud-detector&version=1e3"), 400, "INVALID_PARAMETER_VALUE",
              "Model version must be an integer, got '1e3'");
  check_error(api_get(s.server, "model-versions/get?name=fraud-detector&version=99999999999999999999"), 404,
              "RESOURCE_DOES_NOT_EXIST", "version=99999999999999999999");
  check_error(api_get(s.server, "registered-models/search?max_results=-1"), 400, "INVALID_PARAMETER_VALUE",
              "max_results");
  // A NUL byte in a parameter: the message goes on past it, to the end.
  check_error(api_get(s.server, "registered-models/get?name=a%00b"), 404, "RESOURCE_DOES_NOT_EXIST",
              std::string("name=a\0b not found", 18));
  check_error(api_get(s.server, "registered-models/search?filter=fo%00o%20%3D%20%27x%27"), 400,
              "INVALID_PARAMETER_VALUE", std::string("unexpected character '\0' (at position 3)", 40));
  // Path traversal, in a name and in the endpoint, reads nothing outside the registry.
  check_error(api_get(s.server, "registered-models/get?name=..%2F..%2F..%2Fetc%2Fpasswd"), 404,
              "RESOURCE_DOES_NOT_EXIST", "name=../../../etc/passwd not found");
  check_error(api_get(s.server, "model-versions/get-download-uri?name=..&version=1"), 404, "RESOURCE_DOES_NOT_EXIST",
              "name=.. not found");
  for (const std::string path : {"/api/2.0/mlflow/../../../../etc/passwd", "/api/2.0/mlflow/..%2F..%2Fetc%2Fpasswd"}) {
    auto r = s.server.get(path);
    INFO(path);
    check_error({r->status, json_body(r)}, 404, "ENDPOINT_NOT_FOUND", "No API endpoint");
  }

  auto client = s.server.client();
  const std::string endpoint = kApi + "registered-models/get-latest-versions";
  auto not_object = client.Post(endpoint.c_str(), "[\"fraud-detector\"]", "application/json");
  REQUIRE(not_object);
  check_error({not_object->status, json_body(not_object)}, 400, "INVALID_PARAMETER_VALUE", "not a JSON object");
  // A body over 1 MiB and a 10 MB query are refused before they are read whole.
  auto huge_body = client.Post(endpoint.c_str(), std::string(2 << 20, ' '), "application/json");
  REQUIRE(huge_body);
  CHECK(huge_body->status == 413);
  {
    RawConnection c(s.server.port());
    c.send("GET " + kApi + "registered-models/search?filter=" + std::string(10 << 20, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string answer = c.read_headers();
    INFO(answer.substr(0, 200));
    CHECK(answer.rfind("HTTP/1.1 414", 0) == 0);
  }
  // Slow clients that trickle a header a byte at a time, never idle long enough to be
  // dropped, and more of them than a fixed pool of workers would have: no one else waits.
  Trickle slow(s.server.port(), 40, "GET " + kApi + "registered-models/get?name=churn HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  CHECK(api_get(s.server, "registered-models/get?name=fraud-detector").first == 200);
  CHECK(api_get(s.server, "model-versions/search").first == 200);
}

TEST_CASE("serve: an invalid file in the registry is a 500 that names it (a broken page for its model), and the other models are served",
          "[serve][api]") {
  Served s;
  // A commit by hand that breaks churn's model.yaml.
  write_file(s.reg.path() + "/models/churn/model.yaml", "name: [churn\n");
  s.reg.git_ok({"commit", "-q", "-a", "-m", "Edit churn by hand"});
  check_error(api_get(s.server, "registered-models/get?name=churn"), 500, "INVALID_STATE",
              "models/churn/model.yaml:2: malformed YAML");
  // Its page is the broken model's page (200), with the problem; a version page cannot read it.
  auto page = s.server.get("/models/churn");
  CHECK(page->status == 200);
  CHECK_THAT(page->body, Contains("broken</span></h1>"));
  CHECK_THAT(page->body, Contains("models/churn/model.yaml:2: malformed YAML"));
  CHECK(s.server.get("/models/churn/versions/1")->status == 500);
  CHECK(api_get(s.server, "model-versions/get?name=fraud-detector&version=2").first == 200);
  CHECK(s.server.get("/models/fraud-detector/versions/2")->status == 200);
}

TEST_CASE("serve: the models read into memory at start follow new commits, and a broken version file fails only that version",
          "[serve][api]") {
  Served s;
  for (int i = 0; i < 600 && s.server.log().find("models read into memory") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_THAT(s.server.log(), Contains("mreg serve: 3 models read into memory in "));
  CHECK(tag_map(api_get(s.server, "model-versions/get?name=fraud-detector&version=3").second["model_version"]["tags"]) ==
        std::map<std::string, std::string>{{"validated", "true"}});
  // A write changes the model's folder: its new state is read, not the one in memory.
  s.reg.mreg_json({"version", "tag", "set", "fraud-detector", "3", "validated", "false"});
  CHECK(tag_map(api_get(s.server, "model-versions/get?name=fraud-detector&version=3").second["model_version"]["tags"]) ==
        std::map<std::string, std::string>{{"validated", "false"}});
  // A hand edit breaks version 3's file: that version is a 500 naming it; the others of the
  // model still read, with their aliases.
  write_file(s.reg.path() + "/models/fraud-detector/versions/3.yaml", "name: [fraud-detector\n");
  s.reg.git_ok({"commit", "-q", "-a", "-m", "Edit fraud-detector v3 by hand"});
  check_error(api_get(s.server, "model-versions/get?name=fraud-detector&version=3"), 500, "INVALID_STATE",
              "models/fraud-detector/versions/3.yaml");
  const auto v2 = api_get(s.server, "model-versions/get?name=fraud-detector&version=2");
  CHECK(v2.first == 200);
  CHECK(v2.second["model_version"]["aliases"] == Json::array({"champion"}));
  CHECK(s.server.get("/models/fraud-detector/versions/1")->status == 200);
}

TEST_CASE("serve: get-download-uri resolves a version whose source is another models:/ URI", "[serve][api]") {
  Served s;
  s.reg.mreg_json({"register", "churn", "--source", "models:/fraud-detector@champion"});
  auto uri = api_get(s.server, "model-versions/get-download-uri?name=churn&version=1");
  CHECK(uri.first == 200);
  CHECK(uri.second == Json{{"artifact_uri", "s3://demo/m2"}});
  // The version itself keeps the source it was registered with.
  CHECK(api_get(s.server, "model-versions/get?name=churn&version=1").second["model_version"]["source"] ==
        "models:/fraud-detector@champion");
}

TEST_CASE("serve: a moved ref is seen by the next request without a restart", "[serve][api]") {
  Served s;
  CHECK(api_get(s.server, "model-versions/get?name=fraud-detector&version=1").second["model_version"]["current_stage"] ==
        "None");
  s.reg.mreg_json({"stage", "fraud-detector", "1", "Archived"});
  s.reg.mreg_json({"register", "fraud-detector", "--source", "s3://demo/m4"});
  CHECK(api_get(s.server, "model-versions/get?name=fraud-detector&version=1").second["model_version"]["current_stage"] ==
        "Archived");
  CHECK(api_get(s.server, "model-versions/get?name=fraud-detector&version=4").first == 200);
  // A branch moved by plain git is seen too.
  s.reg.git_ok({"update-ref", "refs/heads/main", "HEAD~2"});
  CHECK(api_get(s.server, "model-versions/get?name=fraud-detector&version=4").first == 404);
}

TEST_CASE("serve: --ref serves another branch and --base-path moves every URL", "[serve][api]") {
  Registry reg;
  build_registry(reg);
  reg.git_ok({"branch", "before-churn", "HEAD~2"});
  Server server({"--repo", reg.path(), "--ref", "before-churn", "--base-path", "/registry/"});
  auto got = server.get("/registry" + kApi + "registered-models/search");
  REQUIRE(got->status == 200);
  CHECK(names_of(json_body(got), "registered_models") == std::vector<std::string>{"fraud-detector"});
  CHECK(server.get(kApi + "registered-models/search")->status == 404);
  CHECK(server.get("/registry")->status == 302);
  CHECK(server.get("/registry")->get_header_value("Location") == "/registry/");
}

TEST_CASE("serve: logs one line per request and stops cleanly on SIGINT and SIGTERM", "[serve]") {
  Registry reg;
  build_registry(reg);
  for (int signal_number : {2, 15}) {
    Server server({"--repo", reg.path()});
    server.get(kApi + "registered-models/get?name=fraud-detector");
    server.get(kApi + "model-versions/get?name=fraud-detector&version=99");
    server.get("/no/such/page");
    CHECK(server.stop(signal_number) == 0);
    // The line that says the models were read into memory comes when that is done, among the others.
    std::vector<std::string> log_lines;
    int read_into_memory = 0;
    for (auto& line : lines(server.log()))
      if (line.find("3 models read into memory in ") != std::string::npos) ++read_into_memory;
      else log_lines.push_back(std::move(line));
    INFO(server.log());
    CHECK(read_into_memory <= 1);
    // listening, three requests (logged as each ends, so in any order), stopping, stopped
    REQUIRE(log_lines.size() == 6);
    const std::string requests = log_lines[1] + "\n" + log_lines[2] + "\n" + log_lines[3];
    CHECK_THAT(requests, Contains("127.0.0.1 GET /api/2.0/mlflow/registered-models/get?name=fraud-detector 200"));
    CHECK_THAT(requests, Contains("GET /api/2.0/mlflow/model-versions/get?name=fraud-detector&version=99 404"));
    CHECK_THAT(requests, Contains("GET /no/such/page 404"));
    CHECK_THAT(log_lines[4], Contains(signal_number == 2 ? "SIGINT" : "SIGTERM"));
    CHECK_THAT(log_lines[5], Contains("stopped"));
  }
}

TEST_CASE("serve: Ctrl-C answers the request in progress, then stops", "[serve]") {
  Registry reg;
  build_registry(reg);
  Server server({"--repo", reg.path()});
  RawConnection c(server.port());
  REQUIRE(c.send("GET " + kApi + "registered-models/get?name=fraud-detector HTTP/1.1\r\nHost: x\r\n"));
  // Half a request that the server has begun to read: in progress (a connection accepted but
  // not yet read when the server stops is closed unanswered).
  c.wait_until_read();
  server.signal(SIGINT);
  for (int i = 0; i < 2000 && server.log().find("stopping (SIGINT)") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE_THAT(server.log(), Contains("stopping (SIGINT)"));
  // The rest of the request, after the server was told to stop: it is still answered.
  REQUIRE(c.send("Connection: close\r\n\r\n"));
  const std::string answer = c.read_headers();
  INFO(answer << "\nserver log:\n" << server.log());
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(server.stop(SIGINT) == 0);
  CHECK_THAT(server.log(), Contains("GET /api/2.0/mlflow/registered-models/get?name=fraud-detector 200"));
  CHECK_THAT(server.log(), Contains("mreg serve: stopped"));
}

TEST_CASE("serve: bad options are refused naming the option", "[serve]") {
  Registry reg;
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  };
  for (const auto& c : std::vector<Case>{
           {{"--listen", "localhost"}, "--listen"},
           {{"--listen", "127.0.0.1:99999"}, "--listen"},
           {{"--base-path", "/a b"}, "--base-path"},
           {{"--base-path", "/../x"}, "--base-path"},
           {{"--commit-url", "https://git.example.com/commit/"}, "--commit-url"},
           {{"--commit-url", "javascript:alert(1)//{sha}"}, "--commit-url"},
           {{"--interval", "soon"}, "--interval"},
           {{"--listen", "192.0.2.1:0"}, "--listen: cannot listen on 192.0.2.1"},
           {{"--ref", "no-such-branch"}, "no-such-branch"},
           {{"--max-connections", "0"}, "--max-connections"},
       }) {
    std::vector<std::string> args{"serve"};
    if (c.args.front() != "--listen") args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    args.insert(args.end(), c.args.begin(), c.args.end());
    Result r = reg.mreg(args);
    INFO(describe(r));
    CHECK(r.status > 0);
    CHECK(r.signal == 0);
    CHECK_THAT(r.err, Contains(c.needle));
  }
  TempDir not_a_repo;
  Result r = mreg({"serve", "--listen", "127.0.0.1:0", "--repo", not_a_repo.path()});
  CHECK(r.status == 8);
  CHECK_THAT(r.err, Contains("not a git repository"));
}
