// Milliseconds: the files' times carry them, the CLI's JSON and the API give the same numbers,
// two writes in one second get distinct, ordered times, and files with whole seconds still read.
#include "support/harness.h"
#include "support/lifecycle.h"
#include "support/server.h"

using namespace e2e;
using Json = nlohmann::json;

namespace {

const std::string kApi = "/api/2.0/mlflow/";

Json api_get(const Server& s, const std::string& path) {
  auto r = s.get(kApi + path);
  REQUIRE(r->status == 200);
  return json_body(r);
}

}  // namespace

TEST_CASE("two writes in one second get distinct, ordered times to the millisecond", "[time]") {
  Registry reg;
  // b-model first, a-model later in the same second: ordered by time, not by name.
  reg.mreg_json({"model", "create", "b-model"}, dated("2026-10-01T10:00:00.100Z"));
  reg.mreg_json({"model", "create", "a-model"}, dated("2026-10-01T10:00:00.900Z"));
  reg.mreg_json({"register", "a-model", "--source", "s3://a/1"}, dated("2026-10-01T10:00:01.250Z"));
  reg.mreg_json({"stage", "a-model", "1", "Staging"}, dated("2026-10-01T10:00:01.750Z"));

  const std::string file = reg.show("models/a-model/versions/1.yaml");
  INFO(file);
  CHECK(scalar_line(file, "created_at") == "2026-10-01T10:00:01.250Z");
  CHECK(scalar_line(file, "updated_at") == "2026-10-01T10:00:01.750Z");
  // The commit keeps git's whole seconds.
  CHECK(reg.git_ok({"log", "-1", "--format=%at %ct"}) == "1790848801 1790848801");

  const Json v = reg.mreg_json({"version", "show", "a-model", "1"})["model_version"];
  CHECK(v["creation_timestamp"] == 1790848801250);
  CHECK(v["last_updated_timestamp"] == 1790848801750);

  const Json by_time = reg.mreg_json({"search", "models", "--order-by", "creation_timestamp ASC"});
  REQUIRE(by_time["registered_models"].size() == 2);
  CHECK(by_time["registered_models"][0]["name"] == "b-model");
  CHECK(by_time["registered_models"][1]["name"] == "a-model");
  CHECK(by_time["registered_models"][0]["creation_timestamp"] == 1790848800100);
  CHECK(by_time["registered_models"][1]["creation_timestamp"] == 1790848800900);
}

TEST_CASE("writes by the clock carry its milliseconds", "[time]") {
  Registry reg;
  const int64_t before = now_ms();
  const Json m = reg.mreg_json({"model", "create", "m"})["registered_model"];
  const Json v = reg.mreg_json({"register", "m", "--source", "s3://m/1"})["model_version"];
  const int64_t after = now_ms();
  const int64_t made = m["creation_timestamp"].get<int64_t>(), registered = v["creation_timestamp"].get<int64_t>();
  CHECK(before <= made);
  CHECK(made < registered);  // distinct and in order, though both may fall in one second
  CHECK(registered <= after);
  CHECK(rfc3339_ms(scalar_line(reg.show("models/m/model.yaml"), "created_at")) == made);
  CHECK(rfc3339_ms(scalar_line(reg.show("models/m/versions/1.yaml"), "created_at")) == registered);
}

TEST_CASE("the API gives the files' milliseconds", "[time][api]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"}, dated("2026-10-01T10:00:00.007Z"));
  reg.mreg_json({"register", "m", "--source", "s3://m/1"}, dated("2026-10-01T10:00:00.420Z"));
  Server server({"--repo", reg.path()});
  const Json v = api_get(server, "model-versions/get?name=m&version=1")["model_version"];
  const std::string file = reg.show("models/m/versions/1.yaml");
  CHECK(v["creation_timestamp"] == rfc3339_ms(scalar_line(file, "created_at")));
  CHECK(v["creation_timestamp"] == 1790848800420);
  const Json m = api_get(server, "registered-models/get?name=m")["registered_model"];
  CHECK(m["creation_timestamp"] == rfc3339_ms(scalar_line(reg.show("models/m/model.yaml"), "created_at")));
  CHECK(m["creation_timestamp"] == 1790848800007);
  // A model's last change is its newest file's, to the millisecond.
  CHECK(m["last_updated_timestamp"] == 1790848800420);
}

TEST_CASE("files with whole seconds and with milliseconds read and check side by side", "[time]") {
  Registry reg;
  reg.mreg_json({"model", "create", "old"}, dated("2026-10-01T09:00:00Z"));
  reg.mreg_json({"register", "old", "--source", "s3://old/1"}, dated("2026-10-01T09:00:00Z"));
  reg.mreg_json({"model", "create", "new"}, dated("2026-10-01T09:00:00.001Z"));
  // A whole second is written as before milliseconds: an old file's times keep their bytes.
  CHECK(scalar_line(reg.show("models/old/model.yaml"), "created_at") == "2026-10-01T09:00:00Z");
  CHECK(scalar_line(reg.show("models/new/model.yaml"), "created_at") == "2026-10-01T09:00:00.001Z");
  // A move of the old version changes its stage and updated_at lines only.
  const std::string before = reg.show("models/old/versions/1.yaml");
  reg.mreg_json({"stage", "old", "1", "Staging"}, dated("2026-10-01T09:00:05.500Z"));
  const std::string after = reg.show("models/old/versions/1.yaml");
  CHECK(scalar_line(after, "created_at") == scalar_line(before, "created_at"));
  CHECK(scalar_line(after, "updated_at") == "2026-10-01T09:00:05.500Z");
  const Result check = reg.mreg({"check"});
  INFO(describe(check));
  CHECK(check.status == 0);
  CHECK(reg.mreg_json({"model", "show", "old"})["registered_model"]["creation_timestamp"] == 1790845200000);
}

TEST_CASE("a model's requests of one second are listed in the order they were made", "[time][requests]") {
  Registry reg;
  reg.mreg_json({"register", "m", "--create-model", "--source", "s3://m/1"});
  reg.mreg_json({"register", "m", "--source", "s3://m/2"});
  // Ids tell the second only (and a random part); requested_at tells the millisecond.
  const Json first = reg.mreg_json({"request", "m", "1", "--to", "Production"}, dated("2026-10-01T10:00:00.100Z"))["request"];
  const Json second = reg.mreg_json({"request", "m", "2", "--to", "Staging"}, dated("2026-10-01T10:00:00.900Z"))["request"];
  CHECK(first["requested_at"] == "2026-10-01T10:00:00.100Z");
  CHECK(second["requested_at"] == "2026-10-01T10:00:00.900Z");
  const Json listed = reg.mreg_json({"status"})["requests"];
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["id"] == first["id"]);
  CHECK(listed[1]["id"] == second["id"]);
}
