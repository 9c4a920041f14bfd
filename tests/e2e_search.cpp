// mreg search models|versions: MLflow's filters, order, pages and errors, checked through the
// CLI on a registry whose every write has a known date, and against plain git.
#include "support/harness.h"

#include <regex>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

std::vector<std::string> at(const std::string& date) {
  return {"GIT_AUTHOR_DATE=" + date, "GIT_COMMITTER_DATE=" + date};
}

// Three models, five versions, each write a day after the one before:
//   fraud-detector (team=risk): v1 run r1 s3://m/fd1 (None), v2 run r2 s3://m/fd2 val_mae=12.5
//     (Production, alias champion), v3 run r3 s3://m/fd3 val_mae=9.1 (Staging)
//   churn (team=growth): v1 run r4 gs://c/ch1
//   fraud-legacy (owner name=bob, no team): v1 s3://m/fl1 (Archived)
// churn is updated last: its description changes on the last day.
struct SearchRegistry {
  Registry reg;
  SearchRegistry() {
    int day = 1;
    auto write = [&](std::vector<std::string> args) {
      char date[32];
      std::snprintf(date, sizeof date, "2026-11-%02dT10:00:00Z", day++);
      args.push_back("-q");
      REQUIRE_EXIT(reg.mreg(args, at(date)), 0);
    };
    write({"model", "create", "fraud-detector", "--tag", "team=risk", "--description", "Detects card fraud"});
    write({"model", "create", "churn", "--tag", "team=growth"});
    write({"model", "create", "fraud-legacy", "--tag", "owner name=bob"});
    write({"register", "fraud-detector", "--source", "s3://m/fd1", "--run-id", "r1"});
    write({"register", "fraud-detector", "--source", "s3://m/fd2", "--run-id", "r2", "--tag", "val_mae=12.5"});
    write({"register", "churn", "--source", "gs://c/ch1", "--run-id", "r4"});
    write({"register", "fraud-legacy", "--source", "s3://m/fl1"});
    write({"register", "fraud-detector", "--source", "s3://m/fd3", "--run-id", "r3", "--tag", "val_mae=9.1"});
    write({"stage", "fraud-detector", "2", "Production"});
    write({"stage", "fraud-detector", "3", "Staging"});
    write({"stage", "fraud-legacy", "1", "Archived"});
    write({"alias", "set", "fraud-detector", "champion", "2"});
    write({"model", "update", "churn", "--description", "Predicts churn"});
  }

  Json search(const std::string& what, std::vector<std::string> args) const {
    args.insert(args.begin(), {"search", what});
    return reg.mreg_json(args);
  }
  std::vector<std::string> models(std::vector<std::string> args) const {
    std::vector<std::string> out;
    for (const auto& m : list_field(search("models", std::move(args)), "registered_models"))
      out.push_back(m["name"].get<std::string>());
    return out;
  }
  std::vector<std::string> versions(std::vector<std::string> args) const {
    std::vector<std::string> out;
    for (const auto& v : list_field(search("versions", std::move(args)), "model_versions"))
      out.push_back(v["name"].get<std::string>() + "/" + v["version"].get<std::string>());
    return out;
  }
};

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("search models: name and tags with =, !=, LIKE and ILIKE", "[search]") {
  SearchRegistry s;
  CHECK(s.models({}) == Names{"churn", "fraud-detector", "fraud-legacy"});
  CHECK(s.models({"name = 'churn'"}) == Names{"churn"});
  CHECK(s.models({"name LIKE 'fraud%'"}) == Names{"fraud-detector", "fraud-legacy"});
  CHECK(s.models({"name LIKE 'FRAUD%'"}).empty());  // LIKE minds case
  CHECK(s.models({"name ILIKE 'FRAUD%'"}) == Names{"fraud-detector", "fraud-legacy"});
  CHECK(s.models({"name LIKE '_hurn'"}) == Names{"churn"});
  CHECK(s.models({"tags.team = 'risk'"}) == Names{"fraud-detector"});
  // A model without the tag matches no tag clause, not even !=.
  CHECK(s.models({"tags.team != 'risk'"}) == Names{"churn"});
  CHECK(s.models({"tag.`owner name` = 'bob'"}) == Names{"fraud-legacy"});
  CHECK(s.models({"name LIKE 'fraud%' and tags.team = \"risk\""}) == Names{"fraud-detector"});
}

TEST_CASE("search models: beyond MLflow, stage, alias, description and times", "[search]") {
  SearchRegistry s;
  CHECK(s.models({"stage = 'production'"}) == Names{"fraud-detector"});
  CHECK(s.models({"stage = 'Archived'"}) == Names{"fraud-legacy"});
  CHECK(s.models({"alias = 'champion'"}) == Names{"fraud-detector"});
  CHECK(s.models({"alias != 'champion'"}) == Names{"churn", "fraud-legacy"});
  CHECK(s.models({"description LIKE '%fraud%'"}) == Names{"fraud-detector"});
  CHECK(s.models({"created_at >= '2026-11-02'"}) == Names{"churn", "fraud-legacy"});
  CHECK(s.models({"created_at < 1793577600000"}) == Names{"fraud-detector"});  // 2026-11-02T00:00:00Z
  // The alias set on 2026-11-12 at 10:00 updated fraud-detector; churn changed the day after.
  CHECK(s.models({"updated_at >= '2026-11-12T10:00:00Z'"}) == Names{"churn", "fraud-detector"});
  CHECK(s.models({"updated_at > '2026-11-12T10:00:00Z'"}) == Names{"churn"});
}

TEST_CASE("search models: MLflow's JSON, order_by and pages", "[search]") {
  SearchRegistry s;
  Json first = s.search("models", {"--max-results", "2"});
  REQUIRE(first["registered_models"].size() == 2);
  CHECK(first["registered_models"][0]["name"] == "churn");
  CHECK(first["registered_models"][0]["description"] == "Predicts churn");
  CHECK(first["registered_models"][0]["creation_timestamp"] == rfc3339_ms("2026-11-02T10:00:00Z"));
  CHECK(first["registered_models"][0]["last_updated_timestamp"] == rfc3339_ms("2026-11-13T10:00:00Z"));
  CHECK(first["next_page_token"] == "eyJvZmZzZXQiOiAyfQ==");  // MLflow's base64 of {"offset": 2}
  Json fraud = first["registered_models"][1];
  CHECK(fraud["name"] == "fraud-detector");
  CHECK(tag_map(fraud["tags"]) == std::map<std::string, std::string>{{"team", "risk"}});
  CHECK(fraud["aliases"] == Json::parse(R"([{"alias": "champion", "version": "2"}])"));
  CHECK(list_field(fraud, "latest_versions").size() == 3);

  Json second = s.search("models", {"--max-results", "2", "--page-token", first["next_page_token"]});
  REQUIRE(second["registered_models"].size() == 1);
  CHECK(second["registered_models"][0]["name"] == "fraud-legacy");
  CHECK_FALSE(second.contains("next_page_token"));

  // A token past the end (here the largest offset there is) gives an empty last page.
  Json past = s.search("models", {"--page-token", "eyJvZmZzZXQiOiA5MjIzMzcyMDM2ODU0Nzc1ODA3fQ=="});
  CHECK(list_field(past, "registered_models").empty());
  CHECK_FALSE(past.contains("next_page_token"));

  CHECK(s.models({"--order-by", "last_updated_timestamp DESC"}) == Names{"churn", "fraud-detector", "fraud-legacy"});
  CHECK(s.models({"--order-by", "creation_timestamp", "DESC"}) == Names{"fraud-legacy", "churn", "fraud-detector"});
  CHECK(s.models({"--order-by", "name desc"}) == Names{"fraud-legacy", "fraud-detector", "churn"});
}

TEST_CASE("search versions: run_id IN, version_number, source_path, tags, stage and alias", "[search]") {
  SearchRegistry s;
  // MLflow's default order: last updated first, then name, then the highest version.
  CHECK(s.versions({}) ==
        Names{"fraud-legacy/1", "fraud-detector/3", "fraud-detector/2", "churn/1", "fraud-detector/1"});
  CHECK(s.versions({"name = 'fraud-detector' AND version_number > 1", "--order-by", "version_number"}) ==
        Names{"fraud-detector/2", "fraud-detector/3"});
  CHECK(s.versions({"run_id IN ('r1', 'r4', 'nope')", "--order-by", "name"}) == Names{"churn/1", "fraud-detector/1"});
  CHECK(s.versions({"source_path LIKE 's3://%'", "--order-by", "name", "--order-by", "version_number ASC"}) ==
        Names{"fraud-detector/1", "fraud-detector/2", "fraud-detector/3", "fraud-legacy/1"});
  CHECK(s.versions({"tags.val_mae LIKE '1%' AND version_number >= 2"}) == Names{"fraud-detector/2"});
  CHECK(s.versions({"tags.val_mae != '9.1'"}) == Names{"fraud-detector/2"});
  CHECK(s.versions({"stage = 'Staging'"}) == Names{"fraud-detector/3"});
  CHECK(s.versions({"alias = 'champion'"}) == Names{"fraud-detector/2"});
  CHECK(s.versions({"created_at >= '2026-11-08' AND created_at <= '2026-11-08T10:00:00Z'"}) == Names{"fraud-detector/3"});

  Json j = s.search("versions", {"alias = 'champion'"});
  REQUIRE(j["model_versions"].size() == 1);
  const Json& v = j["model_versions"][0];
  CHECK(v["version"] == "2");  // a string, as in MLflow
  CHECK(v["current_stage"] == "Production");
  CHECK(v["run_id"] == "r2");
  CHECK(v["source"] == "s3://m/fd2");
  CHECK(v["aliases"] == Json::array({"champion"}));
  CHECK(tag_map(v["tags"]) == std::map<std::string, std::string>{{"val_mae", "12.5"}});
}

TEST_CASE("search versions finds every version file git has", "[search]") {
  SearchRegistry s;
  std::vector<std::string> from_git;
  static const std::regex version_file("^models/([^/]+)/versions/([0-9]+)\\.yaml$");
  for (const auto& f : s.reg.files()) {
    std::smatch m;
    if (std::regex_match(f, m, version_file)) from_git.push_back(m[1].str() + "/" + m[2].str());
  }
  std::vector<std::string> found = s.versions({"--max-results", "1000"});
  std::sort(found.begin(), found.end());
  std::sort(from_git.begin(), from_git.end());
  CHECK(found == from_git);
  CHECK(found.size() == 5);
}

TEST_CASE("search reads the registry at --ref", "[search]") {
  SearchRegistry s;
  const std::string before_legacy_v1 = s.reg.git_ok({"rev-list", "-n", "1", "--before=2026-11-06T12:00:00Z", "HEAD"});
  CHECK(s.versions({"name = 'fraud-legacy'"}).size() == 1);
  CHECK(s.versions({"name = 'fraud-legacy'", "--ref", before_legacy_v1}).empty());
}

TEST_CASE("search in a table: the rows, and how to get the next page", "[search]") {
  SearchRegistry s;
  Result r = s.reg.mreg({"search", "versions", "--max-results", "2", "--order-by", "name"});
  REQUIRE_EXIT(r, 0);
  auto ls = lines(r.out);
  REQUIRE(ls.size() >= 3);
  CHECK_THAT(ls[0], Contains("NAME") && Contains("VERSION") && Contains("STAGE") && Contains("SOURCE"));
  CHECK_THAT(ls[1], Contains("churn") && Contains("gs://c/ch1"));
  CHECK_THAT(ls[2], Contains("fraud-detector") && Contains("Staging") && Contains("s3://m/fd3"));
  CHECK_THAT(r.out, Contains("--page-token eyJvZmZzZXQiOiAyfQ=="));

  Result last = s.reg.mreg({"search", "models", "name = 'churn'"});
  REQUIRE_EXIT(last, 0);
  CHECK_THAT(last.out, Contains("churn"));
  CHECK_THAT(last.out, !Contains("fraud"));
  CHECK_THAT(last.out, !Contains("page-token"));
}

TEST_CASE("an invalid filter exits 3 and points at the position", "[search]") {
  SearchRegistry s;
  const std::string before = s.reg.state();

  Result r = s.reg.mreg({"search", "models", "name = 'a' OR name = 'b'"});
  CHECK_EXIT(r, 3);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "mreg: error: Invalid clause(s) in filter string: OR (at position 12)\n"
        "  name = 'a' OR name = 'b'\n"
        "             ^\n");

  Result j = s.reg.mreg({"search", "versions", "version_number LIKE '1%'", "-o", "json"});
  CHECK_EXIT(j, 3);
  Json err = Json::parse(j.err);
  CHECK(err["error_code"] == "INVALID_PARAMETER_VALUE");
  CHECK(err["message"] == "Invalid comparator 'LIKE' not one of '{'=', '!=', '<', '<=', '>', '>='}' (at position 16)");

  Result key = s.reg.mreg({"search", "models", "run_id = 'x'"});
  CHECK_EXIT(key, 3);
  CHECK_THAT(key.err, Contains("Invalid attribute key 'run_id' specified"));
  CHECK(s.reg.state() == before);  // a search writes nothing
}

TEST_CASE("bad order, page size and page token exit 3 naming what is wrong", "[search]") {
  SearchRegistry s;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"models", "--order-by", "version_number"},
       "Invalid attribute key 'version_number' specified. Valid keys are "
       "'{'created_at', 'creation_timestamp', 'last_updated_timestamp', 'name', 'timestamp', 'updated_at'}'"},
      {{"models", "--order-by", "name up"}, "Invalid ordering key in order_by clause 'name up'."},
      {{"models", "--max-results", "1001"},
       "Invalid value for request parameter max_results. It must be at most 1000, but got value 1001"},
      {{"versions", "--max-results", "200001"},
       "Invalid value for request parameter max_results. It must be at most 200000, but got value 200001"},
      {{"versions", "--max-results", "0"}, "Invalid value for max_results. It must be a positive integer, but got 0"},
      {{"versions", "--max-results", "ten"}, "--max-results: expected a positive integer, got 'ten'"},
      {{"models", "--page-token", "not-a-token"}, "Invalid page token, could not base64-decode"},
      {{"models", "name = 'a'", "name = 'b'"},
       "FILTER: expected one filter, quoted as one argument (e.g. \"name LIKE 'fraud%'\"), got 2 arguments: "
       "'name = 'a'', 'name = 'b''..."},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"search"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Result r = s.reg.mreg(args);
    CHECK_EXIT(r, 3);
    CHECK(r.err == "mreg: error: " + c.message + "\n");
  }
  Result usage = s.reg.mreg({"search", "runs"});
  CHECK_EXIT(usage, 2);
}

TEST_CASE("search on an empty registry finds nothing", "[search]") {
  Registry reg(true);
  CHECK(list_field(reg.mreg_json({"search", "models"}), "registered_models").empty());
  Json j = reg.mreg_json({"search", "versions", "tags.x = 'y'"});
  CHECK(list_field(j, "model_versions").empty());
  CHECK_FALSE(j.contains("next_page_token"));
}

TEST_CASE("the prompt filter MLflow clients add keeps models without the tag", "[search]") {
  // MLflow 2.21+ clients send tag.`mlflow.prompt.is_prompt` != 'true' with every model search.
  Registry reg(true);
  REQUIRE_EXIT(reg.mreg({"model", "create", "plain", "-q"}), 0);
  REQUIRE_EXIT(reg.mreg({"model", "create", "prompt", "--tag", "mlflow.prompt.is_prompt=true", "-q"}), 0);
  REQUIRE_EXIT(reg.mreg({"model", "create", "not-prompt", "--tag", "mlflow.prompt.is_prompt=false", "-q"}), 0);
  auto names = [&](const std::string& filter) {
    Names out;
    for (const auto& m : list_field(reg.mreg_json({"search", "models", filter}), "registered_models"))
      out.push_back(m["name"].get<std::string>());
    return out;
  };
  CHECK(names("tag.`mlflow.prompt.is_prompt` != 'true'") == Names{"not-prompt", "plain"});
  CHECK(names("tags.`mlflow.prompt.is_prompt` = 'false'") == Names{"not-prompt", "plain"});
  CHECK(names("tags.`mlflow.prompt.is_prompt` = 'true'") == Names{"prompt"});
  // Any other tag keeps MLflow's rule: a model without it matches no clause on it.
  CHECK(names("tags.other != 'true'").empty());
}
