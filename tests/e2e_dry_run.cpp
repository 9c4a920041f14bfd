// --dry-run on every write shows the commit the write would make and writes nothing; deletes ask
// on a terminal and need --yes elsewhere.
#include "support/harness.h"

#include <filesystem>
#include <set>

using namespace e2e;
using Catch::Matchers::Contains;
using Strings = std::vector<std::string>;
using Json = nlohmann::json;

namespace {

// Everything a dry run must leave alone: HEAD, refs, tags, work tree, the objects in the git
// directory and its top-level files (no lock left behind, no config written). The read caches
// in .git/mreg/ are left out: any read may fill them.
std::string untouched(const Registry& reg) {
  std::string s = reg.state() + reg.git_ok({"count-objects", "-v"}) + "\n" + reg.git_ok({"config", "--list", "--local"});
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(reg.path() + "/.git"))
    if (entry.path().filename() != "mreg") names.insert(entry.path().filename().string());
  for (const auto& n : names) s += "\n" + n;
  return s;
}

// The commit at HEAD in the dry run's terms: summary, trailers, and each file with its change.
struct Made {
  std::string summary;
  std::multiset<std::string> trailers, files;
};

Made made_by(const Registry& reg) {
  Made m;
  m.summary = reg.git_ok({"log", "-1", "--format=%s"});
  for (const auto& [k, v] : trailers(reg.path(), "HEAD")) m.trailers.insert(k + ": " + v);
  for (const auto& line : lines(reg.git_ok({"diff", "--no-renames", "--name-status", "HEAD~1", "HEAD"}))) {
    if (line.empty()) continue;
    const std::string change = line[0] == 'A' ? "added" : line[0] == 'D' ? "deleted" : "modified";
    m.files.insert(trim(line.substr(1)) + " " + change);
  }
  return m;
}

Made predicted(const Json& commit) {
  Made m;
  m.summary = commit["summary"];
  for (const auto& t : commit["trailers"]) m.trailers.insert(t["key"].get<std::string>() + ": " + t["value"].get<std::string>());
  for (const auto& f : commit["files"]) m.files.insert(f["path"].get<std::string>() + " " + f["change"].get<std::string>());
  return m;
}

}  // namespace

TEST_CASE("a --dry-run of every write shows the commit the write then makes, and writes nothing", "[dry-run]") {
  Registry reg;
  REQUIRE_EXIT(reg.mreg({"model", "create", "m", "-q"}), 0);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", "s3://b/m/1", "-q"}), 0);

  // Each write in turn: its dry run, then the write itself, which must make what was shown.
  const std::vector<Strings> writes = {
      {"model", "create", "w", "--description", "Wind power", "--tag", "team=energy"},
      {"model", "update", "w", "--description", "Wind power, daily"},
      {"model", "tag", "set", "w", "k", "v"},
      {"model", "tag", "delete", "w", "k"},
      {"register", "w", "--source", "s3://b/w/1", "--tag", "val_mae=3.5"},
      {"version", "update", "w", "1", "--description", "first"},
      {"version", "tag", "set", "w", "1", "k", "v"},
      {"version", "tag", "delete", "w", "1", "k"},
      {"stage", "w", "1", "Production", "--comment", "ship it"},
      {"alias", "set", "w", "champion", "1"},
      {"comment", "w", "1", "looks good"},
      {"alias", "delete", "w", "champion"},
      {"model", "rename", "w", "v"},
      {"version", "delete", "v", "1"},
      {"model", "delete", "v"},
  };
  for (const auto& args : writes) {
    INFO("mreg " << args[0] << " " << args[1] << " " << args[2]);
    const std::string before = untouched(reg);
    Strings dry = args;
    dry.push_back("--dry-run");
    const Json j = reg.mreg_json(dry);
    CHECK(untouched(reg) == before);
    REQUIRE(j["dry_run"] == true);
    REQUIRE(j["commit"].is_object());
    CHECK(j["commit"]["branch"] == "main");
    CHECK(j["commit"]["parent"] == reg.head());
    CHECK(j["commit"]["author"] == kIdentity);
    for (const auto& f : j["commit"]["files"]) {
      const std::string diff = f["diff"];
      CHECK_THAT(diff, Contains("diff --git a/" + f["path"].get<std::string>()));
      CHECK_THAT(diff, Contains("@@ "));
    }

    Strings real = args;
    if (args[1] == "delete" || (args.size() > 2 && args[2] == "delete")) real.push_back("--yes");
    real.push_back("-q");
    REQUIRE_EXIT(reg.mreg(real), 0);
    const Made made = made_by(reg), shown = predicted(j["commit"]);
    CHECK(shown.summary == made.summary);
    CHECK(shown.trailers == made.trailers);
    CHECK(shown.files == made.files);
    if (args[0] == "stage") CHECK(j["commit"]["tags"] == Json::array({"w#production#1"}));
    if (args[0] == "register") CHECK(j["commit"]["tags"] == Json::array({"w@v1"}));
    if (args[0] == "comment") CHECK(j["commit"]["body"] == "looks good");
  }

  {  // a table shows the message and the diff
    const std::string before = untouched(reg);
    Result r = reg.mreg({"model", "tag", "set", "m", "team", "energy", "--dry-run"});
    REQUIRE_EXIT(r, 0);
    CHECK(untouched(reg) == before);
    CHECK_THAT(r.out, Contains("Dry run, nothing written."));
    CHECK_THAT(r.out, Contains("set tag team on model m"));
    CHECK_THAT(r.out, Contains("Mreg-Op: set-tag"));
    CHECK_THAT(r.out, Contains("diff --git a/models/m/model.yaml b/models/m/model.yaml"));
    CHECK_THAT(r.out, Contains("+  team: energy"));
  }

  {  // a write that would change nothing says so
    REQUIRE_EXIT(reg.mreg({"stage", "m", "1", "Staging", "-q"}), 0);
    const Json j = reg.mreg_json({"stage", "m", "1", "Staging", "--dry-run"});
    CHECK(j == Json{{"dry_run", true}, {"commit", nullptr}});
  }

  {  // a write the real run refuses is refused as a dry run, with the same exit code
    const std::string before = untouched(reg);
    CHECK_EXIT(reg.mreg({"model", "create", "m", "--dry-run"}), 5);
    CHECK_EXIT(reg.mreg({"version", "delete", "m", "9", "--dry-run"}), 4);
    CHECK(untouched(reg) == before);
  }

  {  // a request and its closing
    const Json req = reg.mreg_json({"request", "m", "1", "--to", "Production", "--comment", "why", "--dry-run"});
    REQUIRE(req["commit"]["files"].size() == 1);
    CHECK_THAT(req["commit"]["files"][0]["path"].get<std::string>(), Contains("models/m/requests/"));
    CHECK_THAT(req["commit"]["files"][0]["diff"].get<std::string>(), Contains("+to_stage: Production"));
    const std::string id = reg.mreg_json({"request", "m", "1", "--to", "Production"})["request"]["id"];
    const std::string before = untouched(reg);
    const Json cancel = reg.mreg_json({"cancel", "m", id, "--comment", "not now", "--dry-run"});
    CHECK(untouched(reg) == before);
    CHECK(cancel["commit"]["body"] == "not now");
    CHECK(cancel["commit"]["files"] == Json::array());
  }
}

TEST_CASE("init --dry-run creates no folder and no repository", "[dry-run]") {
  TempDir dir;
  const Json j = json(mreg({"init", dir / "new", "--registry", "acme/r", "--dry-run", "-o", "json"}));
  CHECK_FALSE(std::filesystem::exists(dir / "new"));
  CHECK(j["commit"]["summary"] == "init registry acme/r");
  CHECK(j["commit"]["parent"].is_null());
  REQUIRE(j["commit"]["files"].size() == 1);
  CHECK(j["commit"]["files"][0]["path"] == "mreg.yaml");
  CHECK(j["commit"]["files"][0]["change"] == "added");
  CHECK_THAT(j["commit"]["files"][0]["diff"].get<std::string>(), Contains("+registry: acme/r"));
}

TEST_CASE("policy init --dry-run writes no policy and pins no root", "[dry-run]") {
  Registry reg;
  TempDir keys;
  sh_ok("ssh-keygen -q -t ed25519 -N '' -C admin@example.com -f admin", keys.path());
  const std::string before = untouched(reg);
  const Json j = reg.mreg_json({"policy", "init", "--admin", "admin@example.com", "--key", keys / "admin.pub", "--dry-run"});
  std::set<std::string> paths;
  for (const auto& f : j["commit"]["files"]) paths.insert(f["path"]);
  CHECK(paths == std::set<std::string>{".mreg/allowed_signers", ".mreg/policy/1.yaml"});
  CHECK(untouched(reg) == before);  // and no mreg.trustedRoot in .git/config
}

TEST_CASE("deletes ask on a terminal and need --yes elsewhere", "[dry-run][delete]") {
  Registry reg;
  for (const Strings& w : {Strings{"model", "create", "m", "--tag", "k=v"}, Strings{"register", "m", "--source", "s3://b/1", "--tag", "k=v"},
                           Strings{"alias", "set", "m", "champion", "1"}})
    REQUIRE_EXIT(reg.mreg(w), 0);

  for (const Strings& del : {Strings{"model", "delete", "m"}, Strings{"version", "delete", "m", "1"},
                             Strings{"alias", "delete", "m", "champion"}, Strings{"model", "tag", "delete", "m", "k"},
                             Strings{"version", "tag", "delete", "m", "1", "k"}}) {
    const std::string before = reg.state();
    Result r = reg.mreg(del);
    INFO(describe(r));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("pass --yes"));
    Strings as_json = del;
    as_json.insert(as_json.end(), {"-o", "json"});
    Result j = reg.mreg(as_json);
    CHECK(j.status == 2);
    CHECK(Json::parse(j.err)["error_code"] == "BAD_REQUEST");
    CHECK(reg.state() == before);
  }

  // On a terminal: the question, and only "y" deletes.
  auto on_terminal = [&](const std::string& answer) {
    const std::string command = std::string(MREG_BINARY) + " --repo " + reg.path() + " alias delete m champion";
    Result r = run({"script", "-qec", command, "/dev/null"}, "", {}, answer + "\n");
    // The terminal echoes the answer, typed before the question was printed, wherever the
    // question's output had got to: take the echo out.
    for (const std::string echo : {answer + "\r\n", answer + "\n"}) {
      const auto at = r.out.find(echo);
      if (at != std::string::npos) {
        r.out.erase(at, echo.size());
        break;
      }
    }
    return r;
  };
  Result no = on_terminal("n");
  CHECK_THAT(no.out, Contains("Delete alias m@champion? [y/N]"));
  CHECK_THAT(no.out, Contains("not deleted"));
  CHECK(reg.mreg_json({"version", "show", "m", "1"})["model_version"]["aliases"] == Json::array({"champion"}));
  Result yes = on_terminal("y");
  CHECK_EXIT(yes, 0);
  CHECK_THAT(yes.out, Contains("Deleted alias m@champion"));
  CHECK_FALSE(reg.mreg_json({"version", "show", "m", "1"})["model_version"].contains("aliases"));
}
