// The lifecycle of a version: stages (mreg stage), aliases, mreg latest, model URIs
// (mreg resolve, also at a point in time), and the annotated tags that mark registrations and
// moves (mreg tags sync).
#include "support/harness.h"
#include "support/lifecycle.h"

#include <set>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

// A model m with versions 1..n, sources s3://b/m/1..n, written at minute(1) (so that a write
// made later never falls into the same second).
void model_with_versions(const Registry& reg, int n, const std::string& model = "m") {
  reg.mreg_json({"model", "create", model}, dated(minute(1)));
  for (int i = 1; i <= n; ++i)
    reg.mreg_json({"register", model, "--source", "s3://b/" + model + "/" + std::to_string(i)},
                  dated(minute(1)));
}

std::string stage_of(const Registry& reg, const std::string& version, const std::string& model = "m") {
  return reg.mreg_json({"version", "show", model, version})["model_version"]["current_stage"];
}

// MLflow's aliases of a version: ["champion", ...], sorted.
Strings version_aliases(const Registry& reg, const std::string& version) {
  Strings out;
  for (const auto& a : list_field(reg.mreg_json({"version", "show", "m", version})["model_version"], "aliases"))
    out.push_back(a.get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

// The model's aliases as "alias=version", sorted.
Strings model_aliases(const Registry& reg, const std::string& model = "m") {
  Strings out;
  for (const auto& a : list_field(reg.mreg_json({"model", "show", model})["registered_model"], "aliases"))
    out.push_back(a.at("alias").get<std::string>() + "=" + a.at("version").get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

Strings versions_of(const Json& list) { return column(list, "version"); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// mreg stage

TEST_CASE("stage moves a version into a stage in one small commit", "[lifecycle][stage]") {
  Registry reg;
  model_with_versions(reg, 3);

  SECTION("a move changes the stage and updated_at lines of one file") {
    std::string before = reg.head();
    Json v = reg.mreg_json({"stage", "m", "1", "Staging"}, dated(minute(2)))["model_version"];
    CHECK(v["name"] == "m");
    CHECK(v["version"] == "1");
    CHECK(v["current_stage"] == "Staging");
    CHECK(reg.git_ok({"rev-parse", "HEAD~1"}) == before);
    reg.check_commit("HEAD", "transition", "m", "1");
    CHECK(trailer(reg.path(), "HEAD", "Mreg-From") == "None");
    CHECK(trailer(reg.path(), "HEAD", "Mreg-To") == "Staging");
    CHECK(reg.git_ok({"diff", "--name-only", "HEAD~1", "HEAD"}) == "models/m/versions/1.yaml");
    CHECK(reg.git_ok({"diff", "--numstat", "HEAD~1", "HEAD"}) ==
          "2\t2\tmodels/m/versions/1.yaml");
    CHECK(scalar_line(reg.show("models/m/versions/1.yaml"), "stage") == "Staging");
    CHECK(scalar_line(reg.show("models/m/versions/1.yaml"), "updated_at") == minute(2));
    CHECK(v["last_updated_timestamp"] == rfc3339_ms(minute(2)));
    CHECK(v["creation_timestamp"] == rfc3339_ms(minute(1)));
    CHECK(stage_of(reg, "1") == "Staging");
    CHECK(stage_of(reg, "2") == "None");
    reg.require_worktree_matches_head();
  }

  SECTION("stage names are matched ignoring case and written as mreg.yaml spells them") {
    Json v = reg.mreg_json({"stage", "m", "1", "production"})["model_version"];
    CHECK(v["current_stage"] == "Production");
    CHECK(scalar_line(reg.show("models/m/versions/1.yaml"), "stage") == "Production");
    CHECK(trailer(reg.path(), "HEAD", "Mreg-To") == "Production");
    CHECK(reg.mreg_json({"stage", "m", "2", "STAGING"})["model_version"]["current_stage"] == "Staging");
    CHECK(tag_names(reg, "m#*") == Strings{"m#production#1", "m#staging#1"});
  }

  SECTION("a move into the stage the version is in changes nothing") {
    reg.mreg_json({"stage", "m", "1", "Staging"});
    std::string before = reg.state();
    int count = reg.commit_count();
    Result r = reg.mreg({"stage", "m", "1", "Staging", "-o", "json"});
    REQUIRE_EXIT(r, 0);
    CHECK(json(r)["model_version"]["current_stage"] == "Staging");
    CHECK(reg.commit_count() == count);
    CHECK(reg.state() == before);
    // Also spelled otherwise, and with --archive-existing.
    CHECK_EXIT(reg.mreg({"stage", "m", "1", "staging", "--archive-existing"}), 0);
    CHECK(reg.state() == before);
    // Version 2 starts in None: a move into None is no move either.
    CHECK_EXIT(reg.mreg({"stage", "m", "2", "None"}), 0);
    CHECK(reg.state() == before);
  }

  SECTION("--comment goes into the commit and the tag's message") {
    reg.mreg_json({"stage", "m", "2", "Production", "--comment", "MAE down 8% on the holdout"});
    CHECK_THAT(reg.git_ok({"log", "-1", "--format=%B"}), Contains("MAE down 8% on the holdout"));
    CHECK(tag_message(reg, "m#production#1") ==
          "m version 2: None -> Production\n\nMAE down 8% on the holdout");
  }

  SECTION("unknown stage: exit 3 naming the stage, nothing written") {
    expect_refused(reg, {"stage", "m", "1", "Prod"}, 3, "Prod");
    expect_refused(reg, {"stage", "m", "1", "Production2"}, 3, "Production2");
    expect_refused(reg, {"stage", "m", "1", ""}, 3, "stage");
    expect_refused(reg, {"stage", "m", "1", "Prod", "--archive-existing"}, 3, "Prod");
  }

  SECTION("-q prints nothing; with -o json an error is JSON on stderr") {
    Result quiet = reg.mreg({"stage", "m", "1", "Staging", "-q"});
    REQUIRE_EXIT(quiet, 0);
    CHECK(quiet.out == "");
    CHECK(stage_of(reg, "1") == "Staging");
    std::string before = reg.state();
    Result r = reg.mreg({"stage", "m", "1", "Prod", "-o", "json"});
    INFO(describe(r));
    CHECK(r.status == 3);
    Json err = Json::parse(r.err, nullptr, false);
    REQUIRE_FALSE(err.is_discarded());
    CHECK(err["error_code"] == "INVALID_PARAMETER_VALUE");
    CHECK_THAT(err["message"].get<std::string>(), Contains("Prod"));
    r = reg.mreg({"alias", "set", "m", "champion", "99", "-o", "json"});
    CHECK(r.status == 4);
    CHECK(Json::parse(r.err, nullptr, false)["error_code"] == "RESOURCE_DOES_NOT_EXIST");
    CHECK(reg.state() == before);
  }

  SECTION("--archive-existing into the first or the last stage: exit 3, nothing written") {
    reg.mreg_json({"stage", "m", "1", "Staging"});
    expect_refused(reg, {"stage", "m", "1", "None", "--archive-existing"}, 3, "archive");
    expect_refused(reg, {"stage", "m", "2", "Archived", "--archive-existing"}, 3, "archive");
    expect_refused(reg, {"stage", "m", "2", "archived", "--archive-existing"}, 3, "archive");
    // Without it both moves are fine.
    CHECK(reg.mreg_json({"stage", "m", "1", "None"})["model_version"]["current_stage"] == "None");
    CHECK(reg.mreg_json({"stage", "m", "2", "Archived"})["model_version"]["current_stage"] == "Archived");
  }

  SECTION("unknown model or version, bad version number") {
    expect_refused(reg, {"stage", "nosuch", "1", "Staging"}, 4, "nosuch");
    expect_refused(reg, {"stage", "m", "99", "Staging"}, 4, "99");
    expect_refused(reg, {"stage", "m", "abc", "Staging"}, 3, "abc");
    expect_refused(reg, {"stage", "m", "1", "Staging", "--ref", "HEAD"}, 3, "ref");
  }

  SECTION("missing arguments: exit 2, nothing written") {
    std::string before = reg.state();
    CHECK_EXIT(reg.mreg({"stage", "m", "1"}), 2);
    CHECK_EXIT(reg.mreg({"stage", "m", "1", "Staging", "--no-such-flag"}), 2);
    CHECK(reg.state() == before);
  }
}

TEST_CASE("stage --archive-existing archives only the versions in the target stage", "[lifecycle][stage]") {
  Registry reg;
  model_with_versions(reg, 4);
  reg.mreg_json({"stage", "m", "1", "Production"});
  reg.mreg_json({"stage", "m", "2", "Staging"});
  reg.mreg_json({"stage", "m", "3", "Staging"});
  int count = reg.commit_count();

  Json v = reg.mreg_json({"stage", "m", "3", "Production", "--archive-existing"})["model_version"];
  CHECK(v["current_stage"] == "Production");
  CHECK(reg.commit_count() == count + 1);  // one commit for the move and the archiving
  CHECK(stage_of(reg, "1") == "Archived");
  CHECK(stage_of(reg, "2") == "Staging");  // not in the target stage: untouched
  CHECK(stage_of(reg, "3") == "Production");
  CHECK(stage_of(reg, "4") == "None");
  std::set<std::string> changed;
  for (const auto& f : lines(reg.git_ok({"diff", "--name-only", "HEAD~1", "HEAD"}))) changed.insert(f);
  CHECK(changed == std::set<std::string>{"models/m/versions/1.yaml", "models/m/versions/3.yaml"});
  reg.check_commit("HEAD", "transition", "m", "3");
  CHECK(tag_commit(reg, "m#production#2") == reg.head());
  CHECK(tag_message(reg, "m#production#2") == "m version 3: Staging -> Production");

  SECTION("into Staging it archives the version in Staging, and only with the flag") {
    reg.mreg_json({"stage", "m", "4", "Staging", "--archive-existing"});
    CHECK(stage_of(reg, "2") == "Archived");
    CHECK(stage_of(reg, "4") == "Staging");
    reg.mreg_json({"stage", "m", "2", "Production"});
    CHECK(stage_of(reg, "3") == "Production");  // no --archive-existing: both stay
    CHECK(versions_of(reg.mreg_json({"latest", "m", "--stage", "Production"})["model_versions"]) ==
          Strings{"3"});
  }
}

// ---------------------------------------------------------------------------------------------
// mreg latest

TEST_CASE("latest gives the highest version in each stage, in stage order", "[lifecycle][latest]") {
  Registry reg;
  model_with_versions(reg, 6);
  reg.mreg_json({"stage", "m", "1", "Staging"});
  reg.mreg_json({"stage", "m", "2", "Staging"});
  reg.mreg_json({"stage", "m", "3", "Production"});
  reg.mreg_json({"stage", "m", "5", "Archived"});
  // Stage of each: 1 Staging, 2 Staging, 3 Production, 4 None, 5 Archived, 6 None.

  Json all = reg.mreg_json({"latest", "m"});
  REQUIRE(all.contains("model_versions"));
  REQUIRE(all["model_versions"].is_array());
  CHECK(versions_of(all["model_versions"]) == Strings{"6", "2", "3", "5"});
  CHECK(column(all["model_versions"], "current_stage") ==
        Strings{"None", "Staging", "Production", "Archived"});
  for (const auto& v : all["model_versions"]) {
    CHECK(v["name"] == "m");
    CHECK(v["source"] == "s3://b/m/" + v["version"].get<std::string>());
  }

  CHECK(versions_of(reg.mreg_json({"latest", "m", "--stage", "Production"})["model_versions"]) ==
        Strings{"3"});
  CHECK(versions_of(reg.mreg_json({"latest", "m", "--stage", "Production", "--stage", "Staging"})
                        ["model_versions"]) == Strings{"2", "3"});
  CHECK(versions_of(reg.mreg_json({"latest", "m", "--stage", "None", "--stage", "Archived"})
                        ["model_versions"]) == Strings{"6", "5"});

  SECTION("a stage without versions adds nothing") {
    reg.mreg_json({"stage", "m", "3", "Archived"});
    CHECK(list_field(reg.mreg_json({"latest", "m", "--stage", "Production"}), "model_versions").empty());
    CHECK(versions_of(reg.mreg_json({"latest", "m"})["model_versions"]) == Strings{"6", "2", "5"});
  }

  SECTION("a model without versions has none") {
    reg.mreg_json({"model", "create", "empty"});
    CHECK(list_field(reg.mreg_json({"latest", "empty"}), "model_versions").empty());
  }

  SECTION("after a delete the next highest one") {
    reg.mreg_json({"version", "delete", "--yes", "m", "2"});
    CHECK(versions_of(reg.mreg_json({"latest", "m", "--stage", "Staging"})["model_versions"]) ==
          Strings{"1"});
  }

  SECTION("table output names the versions") {
    Result r = reg.mreg({"latest", "m"});
    REQUIRE_EXIT(r, 0);
    CHECK_THAT(r.out, Contains("Production"));
  }

  SECTION("unknown model: exit 4; unknown stage: refused, naming it") {
    expect_refused(reg, {"latest", "nosuch"}, 4, "nosuch");
    expect_failed(reg, {"latest", "m", "--stage", "Prod"}, "Prod");
  }
}

// ---------------------------------------------------------------------------------------------
// mreg alias

TEST_CASE("aliases point at one version each and move when set again", "[lifecycle][alias]") {
  Registry reg;
  model_with_versions(reg, 3);

  Json v = reg.mreg_json({"alias", "set", "m", "champion", "1"})["model_version"];
  CHECK(v["version"] == "1");
  CHECK(list_field(v, "aliases") == Json::array({"champion"}));
  reg.check_commit("HEAD", "set-alias", "m", "1");
  CHECK(reg.git_ok({"diff", "--name-only", "HEAD~1", "HEAD"}) == "models/m/model.yaml");
  CHECK_THAT(reg.show("models/m/model.yaml"), Contains("aliases:\n  champion: 1\n"));
  CHECK(version_aliases(reg, "1") == Strings{"champion"});
  CHECK(model_aliases(reg) == Strings{"champion=1"});

  SECTION("moved twice") {
    reg.mreg_json({"alias", "set", "m", "champion", "2"});
    CHECK(version_aliases(reg, "1").empty());
    CHECK(version_aliases(reg, "2") == Strings{"champion"});
    reg.mreg_json({"alias", "set", "m", "champion", "3"});
    CHECK(version_aliases(reg, "2").empty());
    CHECK(version_aliases(reg, "3") == Strings{"champion"});
    CHECK(model_aliases(reg) == Strings{"champion=3"});
    CHECK_THAT(reg.show("models/m/model.yaml"), Contains("aliases:\n  champion: 3\n"));
  }

  SECTION("several aliases, also on one version") {
    reg.mreg_json({"alias", "set", "m", "challenger", "1"});
    reg.mreg_json({"alias", "set", "m", "_shadow-2", "2"});
    CHECK(version_aliases(reg, "1") == Strings{"challenger", "champion"});
    CHECK(model_aliases(reg) == Strings{"_shadow-2=2", "challenger=1", "champion=1"});
  }

  SECTION("delete removes it") {
    CHECK(reg.mreg_json({"alias", "delete", "--yes", "m", "champion"}) == Json::object());
    reg.check_commit("HEAD", "delete-alias", "m");
    CHECK(version_aliases(reg, "1").empty());
    CHECK(model_aliases(reg).empty());
    expect_refused(reg, {"alias", "delete", "--yes", "m", "champion"}, 4, "champion");
  }

  SECTION("deleting a version drops its aliases") {
    reg.mreg_json({"alias", "set", "m", "champion", "2"});
    reg.mreg_json({"alias", "set", "m", "challenger", "2"});
    reg.mreg_json({"version", "delete", "--yes", "m", "2"});
    CHECK(model_aliases(reg).empty());
    CHECK_THAT(reg.show("models/m/model.yaml"), !Contains("champion"));
    expect_refused(reg, {"alias", "delete", "--yes", "m", "champion"}, 4, "champion");
  }

  SECTION("reserved and invalid alias names: exit 3, nothing written") {
    for (std::string alias : {"latest", "v1", "V2", "v10", "Latest"}) {
      INFO("alias " << alias);
      expect_refused(reg, {"alias", "set", "m", alias, "2"}, 3, alias);
    }
    for (std::string alias : {"1abc", "with space", "a/b", "a.b", "ümlaut", ""}) {
      INFO("alias [" << alias << "]");
      expect_refused(reg, {"alias", "set", "m", alias, "2"}, 3, "alias");
    }
    // Names that only look reserved are fine.
    CHECK(list_field(reg.mreg_json({"alias", "set", "m", "v1b", "2"})["model_version"], "aliases") ==
          Json::array({"v1b"}));
    CHECK(list_field(reg.mreg_json({"alias", "set", "m", "latest_good", "2"})["model_version"],
                     "aliases").size() == 2);
  }

  SECTION("a missing version or model: exit 4, nothing written") {
    expect_refused(reg, {"alias", "set", "m", "champion", "99"}, 4, "99");
    expect_refused(reg, {"alias", "set", "m", "fresh", "99"}, 4, "99");
    expect_refused(reg, {"alias", "set", "nosuch", "champion", "1"}, 4, "nosuch");
    expect_refused(reg, {"alias", "delete", "--yes", "nosuch", "champion"}, 4, "nosuch");
    expect_refused(reg, {"alias", "delete", "--yes", "m", "never-set"}, 4, "never-set");
    expect_refused(reg, {"alias", "set", "m", "champion", "abc"}, 3, "abc");
    CHECK(model_aliases(reg) == Strings{"champion=1"});
  }
}

// ---------------------------------------------------------------------------------------------
// mreg resolve

TEST_CASE("resolve turns a model URI into a version", "[lifecycle][resolve]") {
  Registry reg;
  model_with_versions(reg, 4);
  reg.mreg_json({"stage", "m", "1", "Staging"});
  reg.mreg_json({"stage", "m", "2", "Staging"});
  reg.mreg_json({"stage", "m", "3", "Production"});
  reg.mreg_json({"alias", "set", "m", "champion", "1"});
  // 1 Staging (champion), 2 Staging, 3 Production, 4 None.

  auto source = [&](const std::string& uri) {
    Result r = reg.mreg({"resolve", uri});
    INFO(describe(r));
    REQUIRE(r.status == 0);
    return r.out;
  };
  auto version = [&](const std::string& uri) {
    return reg.mreg_json({"resolve", uri})["model_version"]["version"].get<std::string>();
  };

  SECTION("table output is exactly the source line") {
    CHECK(source("models:/m/2") == "s3://b/m/2\n");
    CHECK(source("models:/m/Production") == "s3://b/m/3\n");
    CHECK(source("models:/m/production") == "s3://b/m/3\n");
    CHECK(source("models:/m/Staging") == "s3://b/m/2\n");  // the highest one in the stage
    CHECK(source("models:/m/None") == "s3://b/m/4\n");
    CHECK(source("models:/m/latest") == "s3://b/m/4\n");
    CHECK(source("models:/m@champion") == "s3://b/m/1\n");
  }

  SECTION("json and yaml output is the version") {
    Json j = reg.mreg_json({"resolve", "models:/m/Production"});
    REQUIRE(j.contains("model_version"));
    CHECK(j["model_version"]["name"] == "m");
    CHECK(j["model_version"]["version"] == "3");
    CHECK(j["model_version"]["current_stage"] == "Production");
    CHECK(j["model_version"]["source"] == "s3://b/m/3");
    CHECK(j == reg.mreg_json({"version", "show", "m", "3"}));
    CHECK(version("models:/m/1") == "1");
    CHECK(version("models:/m/latest") == "4");
    CHECK(version("models:/m@champion") == "1");
    Result y = reg.mreg({"resolve", "models:/m@champion", "-o", "yaml"});
    REQUIRE_EXIT(y, 0);
    CHECK(yaml_to_json(y.out)["model_version"]["version"] == "1");
  }

  SECTION("an alias follows its moves, a stage follows transitions") {
    reg.mreg_json({"alias", "set", "m", "champion", "4"});
    CHECK(source("models:/m@champion") == "s3://b/m/4\n");
    reg.mreg_json({"stage", "m", "4", "Production", "--archive-existing"});
    CHECK(source("models:/m/Production") == "s3://b/m/4\n");
    CHECK(source("models:/m/Archived") == "s3://b/m/3\n");
  }

  SECTION("malformed URIs: exit 3") {
    for (std::string uri : {"models:/", "models:/m", "runs:/x", "models:/m/1/2", "models:/m@",
                                   "models:m/1", "m/1", "", "models:/m/", "models://m/1"}) {
      INFO("uri [" << uri << "]");
      expect_refused(reg, {"resolve", uri}, 3, "");
    }
    expect_refused(reg, {"resolve", "runs:/x"}, 3, "runs:/x");
  }

  SECTION("what does not exist") {
    expect_refused(reg, {"resolve", "models:/nosuch/1"}, 4, "nosuch");
    expect_refused(reg, {"resolve", "models:/m/99"}, 4, "99");
    expect_refused(reg, {"resolve", "models:/nosuch@champion"}, 4, "nosuch");
    // docs/cli.md names no exit code for an alias that is not set: refused, naming it.
    expect_failed(reg, {"resolve", "models:/m@nosuchalias"}, "nosuchalias");
    // A stage no version is in, and a stage that does not exist.
    expect_failed(reg, {"resolve", "models:/m/Archived"}, "Archived");
    expect_failed(reg, {"resolve", "models:/m/Prod"}, "Prod");
  }
}

TEST_CASE("resolve --at reads the registry as it was at a point in time", "[lifecycle][resolve][at]") {
  Registry reg;
  redate_init(reg, "2026-09-30T00:00:00Z");
  auto on = [](const std::string& day, int second) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%sT12:00:%02dZ", day.c_str(), second);
    return dated(buf);
  };
  reg.mreg_json({"model", "create", "m"}, on("2026-10-01", 0));
  reg.mreg_json({"register", "m", "--source", "s3://b/m/1"}, on("2026-10-01", 1));
  reg.mreg_json({"register", "m", "--source", "s3://b/m/2"}, on("2026-10-01", 2));
  reg.mreg_json({"stage", "m", "1", "Production"}, on("2026-10-01", 3));
  reg.mreg_json({"alias", "set", "m", "champion", "1"}, on("2026-10-01", 4));
  reg.mreg_json({"stage", "m", "2", "Production", "--archive-existing"}, on("2026-10-05", 0));
  reg.mreg_json({"alias", "set", "m", "champion", "2"}, on("2026-10-05", 1));
  reg.mreg_json({"register", "m", "--source", "s3://b/m/3"}, on("2026-10-10", 0));
  reg.mreg_json({"stage", "m", "3", "Production", "--archive-existing"}, on("2026-10-10", 1));

  auto at = [&](const std::string& uri, const std::string& time) {
    Result r = reg.mreg({"resolve", uri, "--at", time});
    INFO(describe(r));
    REQUIRE(r.status == 0);
    return r.out;
  };

  CHECK(at("models:/m/Production", "2026-10-03") == "s3://b/m/1\n");
  CHECK(at("models:/m/Production", "2026-10-07") == "s3://b/m/2\n");
  CHECK(at("models:/m/Production", "2026-10-11") == "s3://b/m/3\n");
  CHECK(at("models:/m/Production", "2026-10-05T11:59:59Z") == "s3://b/m/1\n");
  CHECK(at("models:/m/Production", "2026-10-05T12:00:00Z") == "s3://b/m/2\n");
  CHECK(at("models:/m/Archived", "2026-10-07") == "s3://b/m/1\n");
  CHECK(at("models:/m@champion", "2026-10-03") == "s3://b/m/1\n");
  CHECK(at("models:/m@champion", "2026-10-07") == "s3://b/m/2\n");
  CHECK(at("models:/m/latest", "2026-10-07") == "s3://b/m/2\n");
  CHECK(at("models:/m/latest", "2026-10-11") == "s3://b/m/3\n");
  CHECK(reg.mreg({"resolve", "models:/m/Production"}).out == "s3://b/m/3\n");

  // The same as --ref @{TIME}.
  CHECK(reg.mreg_json({"resolve", "models:/m/Production", "--at", "2026-10-07"}) ==
        reg.mreg_json({"resolve", "models:/m/Production", "--ref", "@{2026-10-07}"}));
  CHECK(reg.mreg_json({"resolve", "models:/m/Production", "--at", "2026-10-07"})["model_version"]
                     ["current_stage"] == "Production");

  // Before the model existed, and before the first commit.
  expect_refused(reg, {"resolve", "models:/m/Production", "--at", "2026-09-30T06:00:00Z"}, 4, "m");
  expect_refused(reg, {"resolve", "models:/m/3", "--at", "2026-10-07"}, 4, "3");
  expect_refused(reg, {"resolve", "models:/m/Production", "--at", "2026-09-01"}, 4, "2026-09-01");
  expect_refused(reg, {"resolve", "models:/m/Production", "--at", "not-a-date"}, 3, "not-a-date");
}

// ---------------------------------------------------------------------------------------------
// Tags

TEST_CASE("registrations and moves are marked with annotated tags", "[lifecycle][tags]") {
  Registry reg;
  model_with_versions(reg, 3);
  std::string commit_v1 = reg.git_ok({"log", "--format=%H", "-1", "--", "models/m/versions/1.yaml"});
  reg.mreg_json({"stage", "m", "1", "Staging"});
  std::string staging1 = reg.head();
  reg.mreg_json({"stage", "m", "2", "Staging"});
  std::string staging2 = reg.head();
  reg.mreg_json({"stage", "m", "2", "Production", "--archive-existing", "--comment", "ship it"});
  std::string production1 = reg.head();

  CHECK(tag_names(reg) == Strings{"m#production#1", "m#staging#1", "m#staging#2", "m@v1", "m@v2", "m@v3"});
  for (const auto& t : tag_names(reg)) {
    INFO("tag " << t);
    CHECK(reg.git_ok({"cat-file", "-t", t}) == "tag");
  }
  CHECK(tag_commit(reg, "m@v1") == commit_v1);
  CHECK(tag_commit(reg, "m#staging#1") == staging1);
  CHECK(tag_commit(reg, "m#staging#2") == staging2);
  CHECK(tag_commit(reg, "m#production#1") == production1);
  CHECK(tag_message(reg, "m@v2") == "m version 2\n\nsource: s3://b/m/2");
  CHECK(tag_message(reg, "m#staging#1") == "m version 1: None -> Staging");
  CHECK(tag_message(reg, "m#staging#2") == "m version 2: None -> Staging");
  CHECK(tag_message(reg, "m#production#1") == "m version 2: Staging -> Production\n\nship it");
  // How a CI job finds what to deploy.
  CHECK(tag_names(reg, "*#production#*") == Strings{"m#production#1"});

  SECTION("the K-th move into a stage gets K, also after moves out and back") {
    reg.mreg_json({"stage", "m", "2", "Staging"});
    reg.mreg_json({"stage", "m", "3", "Production"});
    reg.mreg_json({"stage", "m", "2", "Production"});
    CHECK(tag_names(reg, "*#production#*") == Strings{"m#production#1", "m#production#2", "m#production#3"});
    CHECK(tag_names(reg, "m#staging#*") == Strings{"m#staging#1", "m#staging#2", "m#staging#3"});
    CHECK(tag_message(reg, "m#production#3") == "m version 2: Staging -> Production");
    CHECK(tag_commit(reg, "m#production#3") == reg.head());
    // Existing tags never move.
    CHECK(tag_commit(reg, "m#production#1") == production1);
  }

  SECTION("tags sync recreates exactly the tags that are missing") {
    reg.git_ok({"tag", "-d", "m@v2", "m#staging#1", "m#production#1"});
    Json synced = reg.mreg_json({"tags", "sync"});
    REQUIRE(synced.contains("created"));
    Strings created = synced["created"].get<Strings>();
    std::sort(created.begin(), created.end());
    CHECK(created == Strings{"m#production#1", "m#staging#1", "m@v2"});
    CHECK(tag_names(reg) == Strings{"m#production#1", "m#staging#1", "m#staging#2", "m@v1", "m@v2", "m@v3"});
    CHECK(reg.git_ok({"cat-file", "-t", "m#production#1"}) == "tag");
    CHECK(tag_commit(reg, "m#staging#1") == staging1);
    CHECK(tag_commit(reg, "m#production#1") == production1);
    CHECK(tag_message(reg, "m#production#1") == "m version 2: Staging -> Production\n\nship it");
    CHECK(tag_message(reg, "m@v2") == "m version 2\n\nsource: s3://b/m/2");

    // A second sync has nothing to do and changes nothing.
    std::string before = reg.state();
    CHECK(list_field(reg.mreg_json({"tags", "sync"}), "created").empty());
    CHECK(reg.state() == before);
  }

  SECTION("--no-tags leaves the tags out; tags sync adds them with the right numbers") {
    reg.mreg_json({"register", "m", "--source", "s3://b/m/4", "--no-tags"});
    std::string v4 = reg.head();
    reg.mreg_json({"stage", "m", "4", "Production", "--no-tags"});
    std::string production2 = reg.head();
    reg.mreg_json({"stage", "m", "3", "Production"});
    std::string production3 = reg.head();
    CHECK(tag_names(reg, "m@v4").empty());
    CHECK(tag_names(reg, "*#production#*") == Strings{"m#production#1", "m#production#3"});
    CHECK(tag_commit(reg, "m#production#3") == production3);

    Strings created = reg.mreg_json({"tags", "sync"})["created"].get<Strings>();
    std::sort(created.begin(), created.end());
    CHECK(created == Strings{"m#production#2", "m@v4"});
    CHECK(tag_commit(reg, "m@v4") == v4);
    CHECK(tag_commit(reg, "m#production#2") == production2);
    CHECK(tag_message(reg, "m#production#2") == "m version 4: None -> Production");
    }

  SECTION("tags sync in a registry without tags creates them all") {
    for (const auto& t : tag_names(reg)) reg.git_ok({"tag", "-d", t});
    Strings created = reg.mreg_json({"tags", "sync"})["created"].get<Strings>();
    std::sort(created.begin(), created.end());
    CHECK(created == Strings{"m#production#1", "m#staging#1", "m#staging#2", "m@v1", "m@v2", "m@v3"});
  }

  SECTION("a failed write makes no tag") {
    expect_refused(reg, {"stage", "m", "1", "Nowhere"}, 3, "Nowhere");
    expect_refused(reg, {"register", "nosuch", "--source", "s3://b/x"}, 4, "nosuch");
    CHECK(tag_names(reg).size() == 6);
  }
}

TEST_CASE("the lifecycle commands work on a bare registry", "[lifecycle][bare]") {
  Registry reg(true);
  model_with_versions(reg, 2);
  reg.mreg_json({"stage", "m", "1", "Production"});
  reg.mreg_json({"alias", "set", "m", "champion", "2"});
  CHECK(reg.mreg({"resolve", "models:/m/Production"}).out == "s3://b/m/1\n");
  CHECK(reg.mreg({"resolve", "models:/m@champion"}).out == "s3://b/m/2\n");
  CHECK(versions_of(reg.mreg_json({"latest", "m"})["model_versions"]) == Strings{"2", "1"});
  CHECK(tag_names(reg) == Strings{"m#production#1", "m@v1", "m@v2"});
  reg.git_ok({"tag", "-d", "m#production#1"});
  CHECK(reg.mreg_json({"tags", "sync"})["created"] == Json::array({"m#production#1"}));
}
