// MLflow 3 versions: model_id and storage_location recorded by `mreg register` (flags and the
// MLmodel file), kept in the version file, and answered by the API as MLflow 3 does.
#include "support/harness.h"
#include "support/server.h"

#include <fstream>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

Json api(const Server& s, const std::string& path) {
  auto r = s.get("/api/2.0/mlflow/" + path);
  INFO(r->body);
  REQUIRE(r->status == 200);
  return json_body(r);
}

}  // namespace

TEST_CASE("register --model-id --storage-location: kept, and the download URI is the storage location",
          "[mlflow3][serve]") {
  Registry reg;
  const Json v = reg.mreg_json({"register", "forecast", "--create-model", "--source", "models:/m-0f1e2d3c",
                                "--model-id", "m-0f1e2d3c", "--storage-location", "s3://art/1/models/m-0f1e2d3c/artifacts"})
                     .at("model_version");
  CHECK(v["model_id"] == "m-0f1e2d3c");
  CHECK(v["storage_location"] == "s3://art/1/models/m-0f1e2d3c/artifacts");
  const std::string file = reg.show("models/forecast/versions/1.yaml");
  CHECK_THAT(file, Contains("model_id: m-0f1e2d3c\n"));
  CHECK_THAT(file, Contains("storage_location: s3://art/1/models/m-0f1e2d3c/artifacts\n"));
  // Without a storage location, a logged model's URI is the download URI, as in MLflow.
  reg.mreg_json({"register", "forecast", "--source", "models:/m-99aa", "--model-id", "m-99aa"});
  REQUIRE_EXIT(reg.mreg({"check"}), 0);
  const Result shown = reg.mreg({"version", "show", "forecast", "1"});
  REQUIRE_EXIT(shown, 0);
  CHECK_THAT(shown.out, Contains("m-0f1e2d3c"));
  CHECK_THAT(shown.out, Contains("s3://art/1/models/m-0f1e2d3c/artifacts"));

  Server s({"--repo", reg.path()});
  const Json got = api(s, "model-versions/get?name=forecast&version=1").at("model_version");
  CHECK(got["model_id"] == "m-0f1e2d3c");       // MLflow 3's field
  CHECK_FALSE(got.contains("storage_location"));  // not one of MLflow's API fields
  CHECK(api(s, "model-versions/get-download-uri?name=forecast&version=1") ==
        Json{{"artifact_uri", "s3://art/1/models/m-0f1e2d3c/artifacts"}});
  // The version's page shows both.
  const auto page = s.get("/models/forecast/versions/1");
  REQUIRE(page->status == 200);
  CHECK_THAT(page->body, Contains("<dt>Model id</dt><dd><code>m-0f1e2d3c</code></dd>"));
  CHECK_THAT(page->body, Contains("<dt>Storage location</dt><dd><code>s3://art/1/models/m-0f1e2d3c/artifacts</code></dd>"));
  CHECK(api(s, "model-versions/get-download-uri?name=forecast&version=2") == Json{{"artifact_uri", "models:/m-99aa"}});
}

TEST_CASE("register --model-dir reads model_id from the MLmodel file; a disagreeing --model-id is refused",
          "[mlflow3]") {
  Registry reg;
  TempDir model;
  std::ofstream(model.path() + "/MLmodel") << "artifact_path: model\nflavors:\n  python_function: {}\n"
                                              "model_id: m-abc123\nrun_id: r1\n";
  std::ofstream(model.path() + "/model.pkl") << "weights";
  const Json v = reg.mreg_json({"register", "m", "--create-model", "--model-dir", model.path(), "--source", "models:/m-abc123"})
                     .at("model_version");
  CHECK(v["model_id"] == "m-abc123");
  CHECK(v["storage_location"] == model.path());  // a models:/ source: the directory holds the files

  const std::string before = reg.state();
  const Result bad = reg.mreg({"register", "m", "--model-dir", model.path(), "--model-id", "m-other"});
  REQUIRE_EXIT(bad, 3);
  CHECK_THAT(bad.err, Contains("--model-id m-other disagrees with model_id m-abc123"));
  CHECK(reg.state() == before);
}
