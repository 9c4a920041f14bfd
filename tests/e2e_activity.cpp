// The activity of a registry: mreg log (also across a rename and with hand edits made with
// plain git), mreg stage-history and mreg comment.
#include "support/harness.h"
#include "support/lifecycle.h"

#include <algorithm>
#include <set>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

const std::string kAlice = "Alice Andersson <alice@example.com>";
const std::string kCI = "CI <ci@example.com>";
const std::string kBob = "Bob <bob@example.com>";
const std::string kCarol = "Carol <carol@example.com>";
const std::string kDave = "Dave <dave@example.com>";
const std::string kErin = "Erin <erin@example.com>";

// What one event of the story must say; "" for a field that is not checked, "(absent)" for
// one that must be left out.
struct Expected {
  int minute;
  std::string type, model, version, from, to, author;
};

// The story told one write a minute, minute k dated minute(k):
//   0  mreg init                                          (Test User)
//   1  model create m                                     (Alice)
//   2  register v1, 3 register v2, 4 register v3          (CI)
//   5  v1 -> Staging, 6 v2 -> Staging,
//   7  v2 -> Production --archive-existing (v1 stays in Staging)   (Bob)
//   8  alias champion -> 1, 9 -> 2, 10 -> 3               (Carol)
//   11 a hand edit of version 2's description with plain git      (Dave)
//   12 comment on version 1: "looks good"                 (Erin)
//   13 model rename m m2                                  (Alice)
// commits[k] is the commit of minute k.
struct Story {
  Registry reg;
  std::vector<std::string> commits;

  Story() {
    redate_init(reg, minute(0));
    commits.push_back(reg.head());
    write({"model", "create", "m", "--description", "Wind power", "--author", kAlice});
    write({"register", "m", "--source", "s3://b/m/1", "--author", kCI});
    write({"register", "m", "--source", "s3://b/m/2", "--description", "Second try", "--author", kCI});
    write({"register", "m", "--source", "s3://b/m/3", "--author", kCI});
    write({"stage", "m", "1", "Staging", "--author", kBob});
    write({"stage", "m", "2", "Staging", "--author", kBob});
    write({"stage", "m", "2", "Production", "--archive-existing", "--author", kBob});
    write({"alias", "set", "m", "champion", "1", "--author", kCarol});
    write({"alias", "set", "m", "champion", "2", "--author", kCarol});
    write({"alias", "set", "m", "champion", "3", "--author", kCarol});
    // The hand edit: a text edit of the work tree file and `git commit -am`.
    std::string file = reg.path() + "/models/m/versions/2.yaml";
    write_file(file, replace_line(read_file(file), "description:",
                                  "description: Retrained on 2019-2024 data"));
    std::vector<std::string> env = dated(minute(int(commits.size())));
    env.push_back("GIT_AUTHOR_NAME=Dave");
    env.push_back("GIT_AUTHOR_EMAIL=dave@example.com");
    reg.git_ok({"commit", "-q", "-am", "Fix the description of version 2"}, env);
    commits.push_back(reg.head());
    write({"comment", "m", "1", "looks good", "--author", kErin});
    write({"model", "rename", "m", "m2", "--author", kAlice});
    REQUIRE(commits.size() == 14);
    REQUIRE(git_log_ids(reg) == Strings(commits.rbegin(), commits.rend()));
  }

  void write(const std::vector<std::string>& args) {
    reg.mreg_json(args, dated(minute(int(commits.size()))));
    commits.push_back(reg.head());
  }

  // The minute of each event, from its commit id; -1 for an unknown commit.
  std::vector<int> minutes(const Json& events) const {
    std::vector<int> out;
    for (const auto& e : events) {
      auto it = std::find(commits.begin(), commits.end(), field(e, "commit"));
      out.push_back(it == commits.end() ? -1 : int(it - commits.begin()));
    }
    return out;
  }

  Json log(std::vector<std::string> args) const {
    args.insert(args.begin(), "log");
    Json j = reg.mreg_json(args);
    REQUIRE(j.contains("events"));
    REQUIRE(j["events"].is_array());
    return j["events"];
  }
};

const Json* find_interval(const Json& intervals, const std::string& stage, const std::string& version) {
  for (const auto& i : intervals)
    if (field(i, "stage") == stage && field(i, "version") == version) return &i;
  return nullptr;
}

// The intervals of the named stages only, as "stage v<version>" sorted.
Strings interval_keys(const Json& intervals, const std::set<std::string>& stages) {
  Strings out;
  for (const auto& i : intervals)
    if (stages.count(field(i, "stage"))) out.push_back(field(i, "stage") + " v" + field(i, "version"));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("mreg log tells the whole story, newest first", "[activity][log]") {
  Story s;
  const Registry& reg = s.reg;

  SECTION("every event, with its type, model, version, stages, author, time and commit") {
    Json events = s.log({});
    const std::vector<Expected> expected = {
        {13, "model_renamed", "", "(absent)", "m", "m2", kAlice},
        {12, "commented", "m", "1", "(absent)", "(absent)", kErin},
        {11, "edited", "m", "2", "(absent)", "(absent)", kDave},
        {10, "alias_set", "m", "", "2", "3", kCarol},
        {9, "alias_set", "m", "", "1", "2", kCarol},
        {8, "alias_set", "m", "", "(absent)", "1", kCarol},
        {7, "transitioned", "m", "2", "Staging", "Production", kBob},
        {6, "transitioned", "m", "2", "None", "Staging", kBob},
        {5, "transitioned", "m", "1", "None", "Staging", kBob},
        {4, "registered", "m", "3", "(absent)", "(absent)", kCI},
        {3, "registered", "m", "2", "(absent)", "(absent)", kCI},
        {2, "registered", "m", "1", "(absent)", "(absent)", kCI},
        {1, "model_created", "m", "(absent)", "(absent)", "(absent)", kAlice},
        {0, "registry_created", "(absent)", "(absent)", "(absent)", "(absent)", kIdentity},
    };
    INFO("events: " << events.dump(1));
    REQUIRE(events.size() == expected.size());
    // Commit ids are git's, in git log's order.
    CHECK(column(events, "commit") == git_log_ids(reg));
    for (size_t i = 0; i < expected.size(); ++i) {
      const Expected& x = expected[i];
      const Json& e = events[i];
      INFO("event " << i << ": " << e.dump());
      CHECK(field(e, "type") == x.type);
      CHECK(field(e, "commit") == s.commits[x.minute]);
      CHECK(field(e, "time") == minute(x.minute));
      CHECK(e.value("timestamp", int64_t(-1)) == rfc3339_ms(minute(x.minute)));
      CHECK(field(e, "author") == x.author);
      if (!x.model.empty()) CHECK(field(e, "model") == x.model);
      if (!x.version.empty()) CHECK(field(e, "version") == x.version);
      if (!x.from.empty()) CHECK(field(e, "from") == x.from);
      if (!x.to.empty()) CHECK(field(e, "to") == x.to);
    }
    // The fields of particular events.
    CHECK(field(events[1], "comment") == "looks good");
    CHECK(field(events[2], "path") == "models/m/versions/2.yaml");
    CHECK_THAT(events[2].value("fields", Json::array()).dump(), Contains("\"description\""));
    for (int i : {3, 4, 5}) CHECK(field(events[i], "alias") == "champion");
    for (int i : {6, 7, 8, 9, 10, 11}) CHECK_FALSE(events[i].contains("comment"));
    CHECK(events[0].value("model", std::string("m2")) == "m2");
  }

  SECTION("the registry after the story") {
    // --archive-existing into Production left version 1 in Staging.
    CHECK(reg.mreg_json({"version", "show", "m2", "1"})["model_version"]["current_stage"] == "Staging");
    CHECK(reg.mreg_json({"version", "show", "m2", "2"})["model_version"]["current_stage"] == "Production");
    CHECK(reg.mreg_json({"version", "show", "m2", "2"})["model_version"]["description"] ==
          "Retrained on 2019-2024 data");
    CHECK(reg.mreg_json({"version", "show", "m2", "3"})["model_version"]["aliases"] ==
          Json::array({"champion"}));
    CHECK_EXIT(reg.mreg({"model", "show", "m"}), 4);
    reg.require_worktree_matches_head();
  }

  SECTION("the table output shows it too") {
    Result r = reg.mreg({"log"});
    REQUIRE_EXIT(r, 0);
    CHECK_THAT(r.out, Contains("transitioned"));
    CHECK_THAT(r.out, Contains("looks good"));
  }

  SECTION("log NAME follows the model across the rename") {
    Json events = s.log({"m2"});
    CHECK(s.minutes(events) == std::vector<int>{13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
    // Events from before the rename keep the name the model had then.
    for (const auto& e : events)
      if (field(e, "type") != "model_renamed") CHECK(field(e, "model") == "m");
  }

  SECTION("log NAME VERSION: only that version's events") {
    Json events = s.log({"m2", "2"});
    INFO("events: " << events.dump(1));
    // Version 2's events: registered, two moves, champion moved onto it, the hand edit. Whether
    // the alias moving away from a version is that version's event is not said (minute 10 for
    // version 2, minute 9 for version 1); everything else must not show.
    auto without = [](std::vector<int> got, int moved_away) {
      got.erase(std::remove(got.begin(), got.end(), moved_away), got.end());
      return got;
    };
    CHECK(without(s.minutes(events), 10) == std::vector<int>{11, 9, 7, 6, 3});
    for (const auto& e : events) {
      INFO(e.dump());
      CHECK((field(e, "version") == "2" || field(e, "to") == "2" || field(e, "from") == "2"));
    }
    CHECK(without(s.minutes(s.log({"m2", "1"})), 9) == std::vector<int>{12, 8, 5, 2});
    CHECK(s.minutes(s.log({"m2", "3"})) == std::vector<int>{10, 4});
    CHECK(s.minutes(s.log({"m2", "2", "-n", "1"})) == std::vector<int>{11});
  }

  SECTION("--stage, -n, --since and --until filter") {
    Json production = s.log({"--stage", "Production"});
    CHECK(s.minutes(production) == std::vector<int>{7});
    CHECK(s.minutes(s.log({"m2", "--stage", "Production"})) == std::vector<int>{7});
    CHECK(s.minutes(s.log({"m2", "--stage", "production"})) == std::vector<int>{7});
    CHECK(s.minutes(s.log({"-n", "2"})) == std::vector<int>{13, 12});
    CHECK(s.minutes(s.log({"m2", "-n", "3"})) == std::vector<int>{13, 12, 11});
    CHECK(s.minutes(s.log({"--since", "2026-10-01T10:04:30Z", "--until", "2026-10-01T10:07:30Z"})) ==
          std::vector<int>{7, 6, 5});
    CHECK(s.minutes(s.log({"--since", "2026-10-01T10:11:30Z"})) == std::vector<int>{13, 12});
    CHECK(s.minutes(s.log({"--until", "2026-10-01T10:01:30Z"})) == std::vector<int>{1, 0});
    CHECK(s.minutes(s.log({"m2", "--until", "2026-10-01T10:01:30Z"})) == std::vector<int>{1});
    CHECK(s.minutes(s.log({"m2", "--since", "2026-10-01T10:02:30Z", "--until", "2026-10-01T10:09:30Z",
                           "-n", "2"})) == std::vector<int>{9, 8});
    // Dates without a time of day: the whole story happened on 2026-10-01.
    CHECK(s.log({"--since", "2026-10-02"}).empty());
    CHECK(s.log({"--until", "2026-09-30"}).empty());
    CHECK(s.log({"--since", "2026-09-30"}).size() == 14);
  }

  SECTION("stage-history gives who was in each stage, when") {
    Json j = reg.mreg_json({"stage-history", "m2"});
    REQUIRE(j.contains("stage_history"));
    Json intervals = j["stage_history"];
    INFO("intervals: " << intervals.dump(1));
    CHECK(interval_keys(intervals, {"Staging", "Production", "Archived"}) ==
          Strings{"Production v2", "Staging v1", "Staging v2"});

    const Json* prod2 = find_interval(intervals, "Production", "2");
    REQUIRE(prod2);
    CHECK(field(*prod2, "since") == minute(7));
    CHECK(field(*prod2, "since_commit") == s.commits[7]);
    CHECK(field(*prod2, "until") == "null");
    CHECK(field(*prod2, "until_commit") == "null");

    const Json* staging2 = find_interval(intervals, "Staging", "2");
    REQUIRE(staging2);
    CHECK(field(*staging2, "since") == minute(6));
    CHECK(field(*staging2, "since_commit") == s.commits[6]);
    CHECK(field(*staging2, "until") == minute(7));
    CHECK(field(*staging2, "until_commit") == s.commits[7]);

    const Json* staging1 = find_interval(intervals, "Staging", "1");
    REQUIRE(staging1);
    CHECK(field(*staging1, "since") == minute(5));
    CHECK(field(*staging1, "since_commit") == s.commits[5]);
    CHECK(field(*staging1, "until") == "null");

    // Intervals of the first stage, if listed, end when the version left it.
    if (const Json* none2 = find_interval(intervals, "None", "2")) {
      CHECK(field(*none2, "since") == minute(3));
      CHECK(field(*none2, "until") == minute(6));
    }
    if (const Json* none3 = find_interval(intervals, "None", "3")) CHECK(field(*none3, "until") == "null");

    Json only = reg.mreg_json({"stage-history", "m2", "--stage", "Production"})["stage_history"];
    REQUIRE(only.size() == 1);
    CHECK(only[0] == *prod2);
    Json staging = reg.mreg_json({"stage-history", "m2", "--stage", "staging"})["stage_history"];
    CHECK(interval_keys(staging, {"Staging"}) == Strings{"Staging v1", "Staging v2"});
    CHECK(staging.size() == 2);
    CHECK(list_field(reg.mreg_json({"stage-history", "m2", "--stage", "Archived"}), "stage_history").empty());
  }

  SECTION("bad input: a clear message, the documented exit code, nothing written") {
    expect_refused(reg, {"log", "nosuch"}, 4, "nosuch");
    expect_refused(reg, {"log", "m2", "abc"}, 3, "abc");
    expect_refused(reg, {"stage-history", "nosuch"}, 4, "nosuch");
    // docs/cli.md names no code for these: refused, naming what was wrong.
    expect_failed(reg, {"log", "--stage", "Nope"}, "Nope");
    expect_failed(reg, {"stage-history", "m2", "--stage", "Nope"}, "Nope");
    expect_failed(reg, {"log", "--since", "yesterday-ish"}, "yesterday-ish");
    expect_failed(reg, {"log", "--until", "2026-13-45"}, "2026-13-45");
    expect_failed(reg, {"log", "-n", "many"}, "many");
    expect_failed(reg, {"log", "-n", "-3"}, "");
  }
}

TEST_CASE("archiving with --archive-existing shows as a move and an archiving in one commit", "[activity][log]") {
  Registry reg;
  redate_init(reg, minute(0));
  reg.mreg_json({"model", "create", "m"}, dated(minute(1)));
  reg.mreg_json({"register", "m", "--source", "s3://b/m/1"}, dated(minute(2)));
  reg.mreg_json({"register", "m", "--source", "s3://b/m/2"}, dated(minute(3)));
  reg.mreg_json({"stage", "m", "1", "Production"}, dated(minute(4)));
  std::string c4 = reg.head();
  reg.mreg_json({"stage", "m", "2", "Production", "--archive-existing"}, dated(minute(5)));
  std::string c5 = reg.head();

  Json events = reg.mreg_json({"log", "m", "-n", "3"})["events"];
  INFO("events: " << events.dump(1));
  REQUIRE(events.size() == 3);
  std::set<std::string> got;
  for (int i : {0, 1}) {
    CHECK(field(events[i], "commit") == c5);
    CHECK(field(events[i], "time") == minute(5));
    got.insert(field(events[i], "type") + " " + field(events[i], "version") + " " +
               field(events[i], "from") + "->" + field(events[i], "to"));
  }
  CHECK(got == std::set<std::string>{"transitioned 2 None->Production", "archived 1 Production->Archived"});
  CHECK(field(events[2], "commit") == c4);
  CHECK(field(events[2], "type") == "transitioned");

  Json intervals = reg.mreg_json({"stage-history", "m"})["stage_history"];
  INFO("intervals: " << intervals.dump(1));
  CHECK(interval_keys(intervals, {"Production", "Archived", "Staging"}) ==
        Strings{"Archived v1", "Production v1", "Production v2"});
  const Json* p1 = find_interval(intervals, "Production", "1");
  REQUIRE(p1);
  CHECK(field(*p1, "since_commit") == c4);
  CHECK(field(*p1, "until_commit") == c5);
  CHECK(field(*p1, "until") == minute(5));
  const Json* a1 = find_interval(intervals, "Archived", "1");
  REQUIRE(a1);
  CHECK(field(*a1, "since_commit") == c5);
  CHECK(field(*a1, "until") == "null");
  const Json* p2 = find_interval(intervals, "Production", "2");
  REQUIRE(p2);
  CHECK(field(*p2, "since") == minute(5));
  CHECK(field(*p2, "until") == "null");

  Json archived = reg.mreg_json({"log", "m", "--stage", "Archived"})["events"];
  REQUIRE(archived.size() == 1);
  CHECK(field(archived[0], "type") == "archived");
  CHECK(field(archived[0], "version") == "1");
}

TEST_CASE("mreg comment makes an empty commit that the log shows", "[activity][comment]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  reg.mreg_json({"register", "m", "--source", "s3://b/m/1"});
  reg.mreg_json({"register", "m", "--source", "s3://b/m/2"});
  std::string before = reg.head();

  Json j = reg.mreg_json({"comment", "m", "1", "looks good"});
  REQUIRE(j.contains("event"));
  Json e = j["event"];
  CHECK(field(e, "type") == "commented");
  CHECK(field(e, "model") == "m");
  CHECK(field(e, "version") == "1");
  CHECK(field(e, "comment") == "looks good");
  CHECK(field(e, "author") == kIdentity);
  CHECK(field(e, "commit") == reg.head());
  CHECK(rfc3339_ms(field(e, "time")) == e.value("timestamp", int64_t(-2)));

  // An empty commit on top of the one before, with the comment as its body.
  CHECK(reg.git_ok({"rev-parse", "HEAD~1"}) == before);
  CHECK(reg.git_ok({"diff", "--stat", "HEAD~1", "HEAD"}) == "");
  CHECK(reg.git_ok({"rev-parse", "HEAD^{tree}"}) == reg.git_ok({"rev-parse", "HEAD~1^{tree}"}));
  reg.check_commit("HEAD", "comment", "m", "1");
  CHECK_THAT(reg.git_ok({"log", "-1", "--format=%b"}), Contains("looks good"));
  reg.require_worktree_matches_head();
  // Comments make no tags.
  CHECK(tag_names(reg) == Strings{"m@v1", "m@v2"});

  Json events = reg.mreg_json({"log", "m", "-n", "1"})["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0] == e);
  CHECK(reg.mreg_json({"log", "m", "1", "-n", "1"})["events"][0] == e);
  CHECK(field(reg.mreg_json({"log", "m", "2", "-n", "1"})["events"][0], "type") == "registered");

  SECTION("text over several lines, and text that looks like a trailer, come back as written") {
    std::string text = "Checked on the 2024 holdout.\n\nMAE 412.7, within budget.";
    Json c = reg.mreg_json({"comment", "m", "2", text})["event"];
    CHECK(field(c, "comment") == text);
    CHECK(field(reg.mreg_json({"log", "-n", "1"})["events"][0], "comment") == text);
    Json t = reg.mreg_json({"comment", "m", "2", "Mreg-Op: delete-model"})["event"];
    CHECK(field(t, "type") == "commented");
    CHECK(field(t, "comment") == "Mreg-Op: delete-model");
    reg.check_commit("HEAD", "comment", "m", "2");
    CHECK(reg.mreg_json({"model", "show", "m"})["registered_model"]["name"] == "m");
  }

  SECTION("--author names who commented") {
    Json c = reg.mreg_json({"comment", "m", "2", "ok", "--author", kErin})["event"];
    CHECK(field(c, "author") == kErin);
    CHECK(reg.git_ok({"log", "-1", "--format=%an <%ae>"}) == kErin);
  }

  SECTION("bad input: exit code, message, nothing written") {
    expect_refused(reg, {"comment", "nosuch", "1", "t"}, 4, "nosuch");
    expect_refused(reg, {"comment", "m", "99", "t"}, 4, "99");
    expect_refused(reg, {"comment", "m", "abc", "t"}, 3, "abc");
    expect_refused(reg, {"comment", "m", "1", "t", "--ref", "HEAD"}, 3, "ref");
    std::string state = reg.state();
    CHECK_EXIT(reg.mreg({"comment", "m", "1"}), 2);
    CHECK(reg.state() == state);
  }
}

TEST_CASE("hand edits and renames in the activity", "[activity][hand-edit]") {
  Registry reg;
  redate_init(reg, minute(0));
  reg.mreg_json({"model", "create", "m"}, dated(minute(1)));
  reg.mreg_json({"register", "m", "--source", "s3://b/m/1", "--description", "one"}, dated(minute(2)));
  int events_before = int(reg.mreg_json({"log"})["events"].size());
  REQUIRE(events_before == 3);

  SECTION("a commit outside models/ is no event") {
    write_file(reg.path() + "/README.md", "# Our models\n");
    reg.git_ok({"add", "README.md"});
    reg.git_ok({"commit", "-q", "-m", "Add a README"}, dated(minute(3)));
    CHECK(int(reg.mreg_json({"log"})["events"].size()) == events_before);
  }

  SECTION("a hand edit of a model file: edited, with the path and the fields") {
    std::string file = reg.path() + "/models/m/model.yaml";
    std::string text = read_file(file);
    text += "tags:\n  team: energy\n";
    write_file(file, text);
    reg.git_ok({"commit", "-q", "-am", "Tag the model by hand"}, dated(minute(3)));
    Json e = reg.mreg_json({"log", "-n", "1"})["events"][0];
    INFO(e.dump());
    CHECK(field(e, "type") == "edited");
    CHECK(field(e, "model") == "m");
    CHECK(field(e, "path") == "models/m/model.yaml");
    CHECK(e.value("fields", Json::array()) == Json::array({"tags"}));
    CHECK(field(e, "commit") == reg.head());
    CHECK(field(e, "author") == kIdentity);
    CHECK(field(e, "time") == minute(3));
    CHECK(e.value("timestamp", int64_t(-1)) == rfc3339_ms(minute(3)));
    CHECK(tag_map(reg.mreg_json({"model", "show", "m"})["registered_model"]["tags"]) ==
          std::map<std::string, std::string>{{"team", "energy"}});
  }

  SECTION("a hand edit of two fields of a version names both") {
    std::string file = reg.path() + "/models/m/versions/1.yaml";
    std::string text = replace_line(read_file(file), "description:", "description: uno");
    text = replace_line(text, "source:", "source: s3://b/m/one");
    write_file(file, text);
    reg.git_ok({"commit", "-q", "-am", "Fix version 1"}, dated(minute(3)));
    Json e = reg.mreg_json({"log", "m", "1", "-n", "1"})["events"][0];
    INFO(e.dump());
    CHECK(field(e, "type") == "edited");
    CHECK(field(e, "version") == "1");
    CHECK(field(e, "path") == "models/m/versions/1.yaml");
    Strings fields = e.value("fields", Json::array()).get<Strings>();
    std::sort(fields.begin(), fields.end());
    CHECK(fields == Strings{"description", "source"});
  }

  SECTION("a stage changed by hand shows in the log and in stage-history") {
    std::string file = reg.path() + "/models/m/versions/1.yaml";
    write_file(file, replace_line(read_file(file), "stage:", "stage: Staging"));
    reg.git_ok({"commit", "-q", "-am", "Move version 1 to Staging by hand"}, dated(minute(3)));
    std::string moved = reg.head();
    Json e = reg.mreg_json({"log", "m", "1", "-n", "1"})["events"][0];
    INFO(e.dump());
    CHECK(field(e, "type") == "edited");
    CHECK(field(e, "path") == "models/m/versions/1.yaml");
    CHECK(e.value("fields", Json::array()) == Json::array({"stage"}));
    CHECK(reg.mreg_json({"version", "show", "m", "1"})["model_version"]["current_stage"] == "Staging");
    Json staging = reg.mreg_json({"stage-history", "m", "--stage", "Staging"})["stage_history"];
    INFO(staging.dump());
    REQUIRE(staging.size() == 1);
    CHECK(field(staging[0], "version") == "1");
    CHECK(field(staging[0], "since_commit") == moved);
    CHECK(field(staging[0], "since") == minute(3));
    CHECK(field(staging[0], "until") == "null");
  }

  SECTION("renames are followed through several names; a new model with an old name is new") {
    reg.mreg_json({"model", "rename", "m", "m2"}, dated(minute(3)));
    reg.mreg_json({"register", "m2", "--source", "s3://b/m/2"}, dated(minute(4)));
    reg.mreg_json({"model", "rename", "m2", "m3"}, dated(minute(5)));
    reg.mreg_json({"model", "create", "m"}, dated(minute(6)));
    Json events = reg.mreg_json({"log", "m3"})["events"];
    INFO("events: " << events.dump(1));
    CHECK(column(events, "type") ==
          Strings{"model_renamed", "registered", "model_renamed", "registered", "model_created"});
    CHECK(column(events, "time") == Strings{minute(5), minute(4), minute(3), minute(2), minute(1)});
    CHECK(field(events[0], "from") == "m2");
    CHECK(field(events[0], "to") == "m3");
    CHECK(field(events[1], "model") == "m2");
    CHECK(field(events[2], "from") == "m");
    CHECK(field(events[2], "to") == "m2");
    CHECK(field(events[3], "model") == "m");
    Json fresh = reg.mreg_json({"log", "m"})["events"];
    INFO("log m: " << fresh.dump(1));
    CHECK(column(fresh, "type") == Strings{"model_created"});
    CHECK(column(fresh, "time") == Strings{minute(6)});
    // Version 1 of m3 is the one registered under the name m.
    CHECK(column(reg.mreg_json({"log", "m3", "1"})["events"], "time") == Strings{minute(2)});
  }
}

TEST_CASE("every kind of write shows in the log as its event type", "[activity][log]") {
  Registry reg;
  auto w = [&](const std::vector<std::string>& args) { reg.mreg_json(args); };
  w({"model", "create", "m"});
  w({"register", "m", "--source", "s3://b/m/1"});
  w({"model", "update", "m", "--description", "Wind power"});
  w({"model", "tag", "set", "m", "team", "energy"});
  w({"model", "tag", "delete", "--yes", "m", "team"});
  w({"version", "update", "m", "1", "--description", "First"});
  w({"version", "tag", "set", "m", "1", "val_mae", "412.7"});
  w({"version", "tag", "delete", "--yes", "m", "1", "val_mae"});
  w({"alias", "set", "m", "champion", "1"});
  w({"alias", "delete", "--yes", "m", "champion"});
  w({"version", "delete", "--yes", "m", "1"});
  w({"model", "delete", "--yes", "m"});

  Json events = reg.mreg_json({"log"})["events"];
  INFO("events: " << events.dump(1));
  CHECK(column(events, "type") ==
        Strings{"model_deleted", "version_deleted", "alias_deleted", "alias_set", "version_tag_deleted",
                "version_tag_set", "version_updated", "model_tag_deleted", "model_tag_set",
                "model_updated", "registered", "model_created", "registry_created"});
  CHECK(column(events, "commit") == git_log_ids(reg));
  for (size_t i = 0; i + 1 < events.size(); ++i) CHECK(field(events[i], "model") == "m");
  CHECK(column(events, "version") ==
        Strings{"(absent)", "1", "1", "1", "1", "1", "1", "(absent)", "(absent)", "(absent)", "1",
                "(absent)", "(absent)"});
  CHECK(field(events[2], "alias") == "champion");
  CHECK(field(events[2], "from") == "1");
  CHECK(field(events[3], "alias") == "champion");
  CHECK(field(events[3], "to") == "1");
  CHECK(field(events[3], "from") == "(absent)");
  CHECK(field(events[4], "key") == "val_mae");
  CHECK(field(events[5], "key") == "val_mae");
  CHECK(field(events[5], "value") == "412.7");
  CHECK(field(events[7], "key") == "team");
  CHECK(field(events[8], "key") == "team");
  CHECK(field(events[8], "value") == "energy");
  // Fields that do not apply are left out.
  for (const auto& e : events) {
    INFO(e.dump());
    for (const auto& [key, value] : e.items()) CHECK_FALSE(value.is_null());
    CHECK_FALSE(e.contains("comment"));
  }
}
