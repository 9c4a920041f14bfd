// Manifests against their schemas: what a hand edit can get wrong is reported
// with its line, and what mreg writes is canonical.
#include <catch2/catch.hpp>

#include "manifest.h"
#include "mreg/names.h"
#include "mreg/problem.h"

using namespace mreg;

namespace {

const char* kModel =
    "name: power-forecast\n"
    "description: |\n"
    "  Forecasts the daily power output of the wind farm.\n"
    "created_at: 2026-11-24T09:30:00Z\n"
    "created_by: Alice Andersson <alice@example.com>\n"
    "updated_at: 2026-11-24T10:02:11Z\n"
    "last_version: 3\n"
    "aliases:\n"
    "  champion: 3\n"
    "tags:\n"
    "  team: energy\n";

std::vector<Problem> problems_of(const std::string& text) {
  try {
    parse_model(text, "models/power-forecast/model.yaml");
  } catch (const ManifestError& e) {
    return e.problems();
  }
  return {};
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("FORMAT.md's model.yaml reads and writes back byte for byte", "[manifest]") {
  RegisteredModel m = parse_model(kModel, "models/power-forecast/model.yaml");
  CHECK(m.name == "power-forecast");
  CHECK(m.last_version == 3);
  CHECK(m.aliases.at("champion") == 3);
  CHECK(m.tags.at("team") == "energy");
  CHECK(m.description == "Forecasts the daily power output of the wind farm.\n");
  CHECK(render_model(m) == kModel);
}

TEST_CASE("times are written with milliseconds; files without them read and keep their bytes", "[manifest]") {
  RegisteredModel old = parse_model(kModel, "models/power-forecast/model.yaml");
  CHECK(old.created_at == 1795512600000);  // 2026-11-24T09:30:00Z
  CHECK(old.updated_at == 1795514531000);
  RegisteredModel m = old;
  m.updated_at += 123;
  const std::string text = render_model(m);
  CHECK(text.find("\ncreated_at: 2026-11-24T09:30:00Z\n") != std::string::npos);  // untouched, as it was
  CHECK(text.find("\nupdated_at: 2026-11-24T10:02:11.123Z\n") != std::string::npos);
  CHECK(parse_model(text, "models/power-forecast/model.yaml").updated_at == m.updated_at);

  TransitionRequest r;
  r.id = "20261124T100211Z-7f3a";
  r.model = "power-forecast";
  r.version = 3;
  r.from_stage = "Staging";
  r.to_stage = "Production";
  r.version_sha256 = std::string(64, 'a');
  r.requested_by = "Alice Andersson <alice@example.com>";
  r.requested_at = 1795514531007;
  const std::string request = render_request(r);
  CHECK(request.find("requested_at: 2026-11-24T10:02:11.007Z\n") != std::string::npos);
  CHECK(parse_request(request, "models/power-forecast/requests/" + r.id + ".yaml").requested_at == r.requested_at);
}

TEST_CASE("schema problems carry the line of the offending key", "[manifest]") {
  SECTION("unknown key") {
    auto p = problems_of(std::string(kModel) + "colour: blue\n");
    REQUIRE(p.size() == 1);
    CHECK(p[0].line == 12);
    CHECK(p[0].message.find("unknown key 'colour'") != std::string::npos);
  }
  SECTION("x- extensions are allowed and kept") {
    RegisteredModel m = parse_model(std::string(kModel) + "x-owner: ops\n", "m.yaml");
    REQUIRE(m.extensions.size() == 1);
    CHECK(render_model(m).find("x-owner: ops\n") != std::string::npos);
  }
  SECTION("wrong type") {
    auto p = problems_of(replace(kModel, "last_version: 3", "last_version: three"));
    REQUIRE(p.size() == 1);
    CHECK(p[0].line == 7);
    CHECK(p[0].message.find("last_version") != std::string::npos);
  }
  SECTION("missing required key") {
    auto p = problems_of(replace(kModel, "created_by: Alice Andersson <alice@example.com>\n", ""));
    REQUIRE(!p.empty());
    CHECK(p[0].message.find("created_by") != std::string::npos);
  }
  SECTION("a tag value must be a string") {
    auto p = problems_of(replace(kModel, "team: energy", "team: 5"));
    REQUIRE(p.size() == 1);
    CHECK(p[0].line == 11);
  }
  SECTION("a reserved alias name") {
    auto p = problems_of(replace(kModel, "champion: 3", "latest: 3"));
    REQUIRE(p.size() == 1);
    CHECK(p[0].line == 9);
    CHECK(p[0].message.find("reserved") != std::string::npos);
  }
  SECTION("a bad timestamp") {
    auto p = problems_of(replace(kModel, "2026-11-24T09:30:00Z", "yesterday"));
    std::string all;
    for (auto& x : p) all += x.to_string() + "\n";
    INFO(all);
    REQUIRE(p.size() == 1);
    CHECK(p[0].line == 4);
  }
}

TEST_CASE("a version file with every field round-trips", "[manifest]") {
  ModelVersion v;
  v.name = "power-forecast";
  v.version = 3;
  v.stage = "Production";
  v.stage_request = "20261124T100211Z-7f3a";
  v.description = "Gradient-boosted trees on 2019-2024 weather data.";
  v.source = "s3://ml-artifacts/1/6f0a/artifacts/model";
  v.run_id = "6f0a0b2c4d5e4f60a1b2c3d4e5f60718";
  v.run_link = "https://tracking.example.com/#/experiments/1/runs/6f0a";
  v.experiment_id = "1";
  v.digest = "sha256:" + std::string(64, 'a');
  v.flavors = {"python_function", "sklearn"};
  v.signature = Json{{"inputs", "[{\"type\": \"double\", \"name\": \"x\"}]"}, {"outputs", "[]"}};
  v.created_at = 1795564720000;
  v.created_by = "CI <ci@example.com>";
  v.updated_at = 1795564931250;
  v.tags = {{"val_mae", "412.7"}};
  v.copied_from = {"acme/staging", "power-forecast-candidates", 12, std::string(40, 'c')};
  const std::string text = render_version(v);
  CHECK(text.find("experiment_id: \"1\"\n") != std::string::npos);
  CHECK(text.find("copied_from:\n  registry: acme/staging\n  model: power-forecast-candidates\n  version: 12\n  commit: " +
                  std::string(40, 'c') + "\nstatus: READY\n") != std::string::npos);
  CHECK(text.find("flavors: [python_function, sklearn]\n") != std::string::npos);
  CHECK(text.find("  val_mae: \"412.7\"\n") != std::string::npos);
  CHECK(text.find("\ncreated_at: 2026-11-24T23:58:40Z\n") != std::string::npos);
  CHECK(text.find("\nupdated_at: 2026-11-25T00:02:11.250Z\n") != std::string::npos);
  ModelVersion back = parse_version(text, "v.yaml");
  CHECK(back.updated_at == v.updated_at);
  CHECK(render_version(back) == text);
  CHECK(back.signature == v.signature);
  CHECK(back.copied_from.registry == "acme/staging");
  CHECK(back.copied_from.version == 12);
  CHECK(back.copied_from.commit == std::string(40, 'c'));
  // A copied_from without all its keys, or with a commit that is no commit id, is named.
  for (const std::string& bad : {std::string("  commit: 1234\n"), std::string("")}) {
    std::string edited = text;
    const auto at = edited.find("  commit: ");
    edited.replace(at, edited.find('\n', at) + 1 - at, bad);
    INFO(edited);
    CHECK_THROWS_AS(parse_version(edited, "v.yaml"), ManifestError);
  }
}

TEST_CASE("names follow FORMAT.md", "[names]") {
  CHECK_NOTHROW(check_model_name("power-forecast"));
  CHECK_NOTHROW(check_model_name("A.b_c-1"));
  CHECK_NOTHROW(check_model_name(std::string(128, 'a')));
  // Any name MLflow takes (their folders are encoded), but not empty, not text a commit trailer
  // cannot carry, and not longer than its folder may be.
  for (std::string good : std::vector<std::string>{"../x", "a/b", "x.", ".x", "-x", "a b", std::string(129, 'a')})
    CHECK_NOTHROW(check_model_name(good));
  for (std::string bad : std::vector<std::string>{"", std::string("a\0b", 3), "a\nb", "\xff", std::string(201, '.')})
    CHECK_THROWS_AS(check_model_name(bad), Error);
  CHECK_NOTHROW(check_alias_name("champion"));
  CHECK_NOTHROW(check_alias_name("_x-1"));
  for (std::string bad : std::vector<std::string>{"latest", "LATEST", "v1", "V22", "1x", "a.b", ""}) CHECK_THROWS_AS(check_alias_name(bad), Error);
  CHECK_NOTHROW(check_tag(std::string(250, 'k'), std::string(5000, 'v')));
  CHECK_THROWS_AS(check_tag(std::string(251, 'k'), "v"), Error);
  CHECK_THROWS_AS(check_tag("k", std::string(5001, 'v')), Error);
  CHECK_THROWS_AS(check_tag("", "v"), Error);
  CHECK_THROWS_AS(check_tag("a\nb", "v"), Error);
  CHECK(parse_version_number("12") == 12);
  for (std::string bad : std::vector<std::string>{"0", "-1", "abc", "1.5", "01", ""}) CHECK_THROWS_AS(parse_version_number(bad), Error);
}
