// Requests for a move: a file added for review, closed by a commit that rejects or
// cancels it; mreg status lists the open ones.
#include "support/harness.h"

#include <algorithm>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

TEST_CASE("a request is a file for review, closed by reject or cancel", "[requests]") {
  Registry reg;
  reg.mreg_json({"register", "m", "--create-model", "--source", "s3://b/1"});
  const std::string before = reg.head();

  Json req = reg.mreg_json({"request", "m", "1", "--to", "production", "--comment", "validated on 2024"})["request"];
  const std::string id = req["id"];
  CHECK(req["to_stage"] == "Production");
  CHECK(req["from_stage"] == "None");
  CHECK(req["requested_by"] == kIdentity);
  CHECK(reg.commit_count() > 0);
  reg.check_commit("HEAD", "request", "m", "1");
  // Only the request file was added; the version did not move.
  CHECK(reg.git_ok({"diff", "--name-only", before, "HEAD"}) == "models/m/requests/" + id + ".yaml");
  CHECK(reg.mreg_json({"version", "show", "m", "1"})["model_version"]["current_stage"] == "None");
  CHECK_THAT(reg.show("models/m/requests/" + id + ".yaml"), Contains("comment: validated on 2024"));

  Json status = reg.mreg_json({"status"});
  REQUIRE(status["requests"].size() == 1);
  CHECK(status["requests"][0]["id"] == id);
  CHECK(status["requests"][0]["outcome"] == "open");
  CHECK(status["requests"][0]["approval_files"] == 0);

  SECTION("reject closes it, once") {
    reg.mreg_json({"reject", "m", id, "--comment", "not yet"});
    reg.check_commit("HEAD", "reject", "m", "1");
    CHECK(reg.git_ok({"diff", "--stat", "HEAD~1", "HEAD"}).empty());  // an empty commit
    CHECK(reg.mreg_json({"status"})["requests"].empty());
    CHECK(reg.mreg_json({"status", "--all"})["requests"][0]["outcome"] == "rejected");
    const std::string state = reg.state();
    Result again = reg.mreg({"reject", "m", id});
    CHECK(again.status == 3);
    CHECK_THAT(again.err, Contains("rejected already"));
    CHECK(reg.state() == state);
    Json log = reg.mreg_json({"log", "m", "-n", "2"})["events"];
    CHECK(log[0]["type"] == "rejected");
    CHECK(log[0]["request"] == id);
    CHECK(log[0]["comment"] == "not yet");
    CHECK(log[1]["type"] == "requested");
    CHECK(log[1]["to"] == "Production");
  }
  SECTION("only the requester (or an admin) may cancel") {
    const std::string state = reg.state();
    Result other = reg.mreg({"cancel", "m", id}, {"GIT_AUTHOR_NAME=Eve", "GIT_AUTHOR_EMAIL=eve@example.com"});
    CHECK(other.status == 7);
    CHECK(reg.state() == state);
    reg.mreg_json({"cancel", "m", id});
    CHECK(reg.mreg_json({"status", "--all"})["requests"][0]["outcome"] == "cancelled");
  }
  SECTION("a model with requests is not renamed: they and their approvals name it") {
    const std::string state = reg.state();
    Result renamed = reg.mreg({"model", "rename", "m", "m2"});
    CHECK(renamed.status == 6);
    CHECK_THAT(renamed.err, Contains("model 'm' has transition requests (models/m/requests/)"));
    CHECK(reg.state() == state);
    CHECK(reg.mreg({"check"}).status == 0);
  }
  SECTION("bad requests: nothing written") {
    const std::string state = reg.state();
    CHECK(reg.mreg({"request", "m", "1"}).status == 3);                                  // neither --to nor --alias
    CHECK(reg.mreg({"request", "m", "1", "--to", "Production", "--alias", "a"}).status == 3);
    CHECK(reg.mreg({"request", "m", "1", "--alias", "latest"}).status == 3);
    CHECK(reg.mreg({"request", "m", "1", "--to", "Bogus"}).status == 3);
    CHECK(reg.mreg({"request", "m", "9", "--to", "Production"}).status == 4);
    CHECK(reg.mreg({"reject", "m", "20990101T000000Z-abcd"}).status == 4);
    CHECK(reg.state() == state);
  }
}

TEST_CASE("requests have one JSON shape whatever their state, and mreg log shows their comments", "[requests][log]") {
  Registry reg;
  reg.mreg_json({"register", "m", "--create-model", "--source", "s3://b/1"});
  reg.mreg_json({"register", "m", "--source", "s3://b/2"});
  auto request = [&](const std::vector<std::string>& what, const std::string& comment) {
    std::vector<std::string> args{"request", "m"};
    args.insert(args.end(), what.begin(), what.end());
    args.insert(args.end(), {"--comment", comment});
    return reg.mreg_json(args)["request"]["id"].get<std::string>();
  };
  const std::string open = request({"1", "--to", "Staging"}, "open one");
  const std::string rejected = request({"1", "--alias", "champion"}, "rejected one");
  const std::string cancelled = request({"2", "--delete"}, "cancelled one");
  const std::string applied = request({"2", "--to", "Production", "--archive-existing"}, "applied one");
  reg.mreg_json({"reject", "m", rejected, "--comment", "not this alias"});
  reg.mreg_json({"cancel", "m", cancelled, "--comment", "keep it"});
  reg.mreg_json({"apply", "m", applied});
  reg.mreg_json({"stage", "m", "1", "Archived", "--comment", "superseded by v2"});

  const Json all = reg.mreg_json({"status", "--all"})["requests"];
  REQUIRE(all.size() == 4);
  std::vector<std::string> keys;
  for (const auto& [k, v] : all[0].items()) keys.push_back(k);
  for (const auto& r : all) {
    INFO(r.dump());
    std::vector<std::string> these;
    for (const auto& [k, v] : r.items()) these.push_back(k);
    CHECK(these == keys);
    const bool is_open = r["outcome"] == "open";
    CHECK(r["closed_commit"].is_null() == is_open);
    if (!is_open) CHECK(r["approvals_valid"].is_null());  // counted for open requests (under a policy)
  }
  for (const auto& k : {"to_stage", "alias", "remove_alias", "delete_version", "archive_existing", "comment",
                        "protected", "approvals_valid", "approvals_needed", "approvers", "closed_by",
                        "closed_commit", "closed_comment"})
    CHECK(std::find(keys.begin(), keys.end(), k) != keys.end());
  for (const auto& r : all) {
    if (r["id"] == rejected) CHECK(r["closed_comment"] == "not this alias");
    if (r["id"] == open) CHECK(r["alias"].is_null());
  }
  const Json made = reg.mreg_json({"request", "m", "1", "--to", "Production"})["request"];
  CHECK(made["comment"].is_null());
  CHECK(made["archive_existing"] == false);

  Result log = reg.mreg({"log", "m"});
  REQUIRE_EXIT(log, 0);
  CHECK_THAT(log.out, Contains("COMMENT"));
  for (const char* comment : {"open one", "rejected one", "not this alias", "keep it", "applied one", "superseded by v2"})
    CHECK_THAT(log.out, Contains(comment));
}
