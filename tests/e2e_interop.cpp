// mreg next to plain git: git accepts what mreg writes, mreg reads what people commit by hand,
// and `mreg check` finds what a hand edit broke.
#include "support/harness.h"

#include <algorithm>
#include <filesystem>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

struct CheckRun {
  int status;
  std::string text;  // stdout and stderr of `mreg check`
  Json problems;     // from `mreg check -o json`
};

CheckRun run_check(const Registry& reg, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"check"};
  args.insert(args.end(), extra.begin(), extra.end());
  Result table = reg.mreg(args);
  args.push_back("-o");
  args.push_back("json");
  Result js = reg.mreg(args);
  INFO(describe(table));
  INFO(describe(js));
  CHECK(table.status == js.status);
  Json parsed = json(js);
  CHECK(parsed["ok"] == (js.status == 0));
  return {table.status, table.out + table.err, list_field(parsed, "problems")};
}

// Whether problems has one for path (at line, when line > 0).
bool has_problem(const Json& problems, const std::string& path, int line = 0) {
  return std::any_of(problems.begin(), problems.end(), [&](const Json& p) {
    return p.value("path", "") == path && (line == 0 || p.value("line", 0) == line);
  });
}

bool has_problem_under(const Json& problems, const std::string& prefix) {
  return std::any_of(problems.begin(), problems.end(), [&](const Json& p) {
    return p.value("path", "").rfind(prefix, 0) == 0;
  });
}

// Registers a model with versions 1..n.
void model_with_versions(const Registry& reg, const std::string& name, int n) {
  reg.mreg_json({"model", "create", name, "--description", "about " + name});
  for (int i = 1; i <= n; ++i)
    reg.mreg_json({"register", name, "--source", "s3://bucket/" + name + "/" + std::to_string(i)});
}

}  // namespace

TEST_CASE("git fsck, log, show, clone and gc accept what mreg writes", "[interop]") {
  Registry reg;
  model_with_versions(reg, "a", 3);
  reg.mreg_json({"model", "tag", "set", "a", "team", "energy"});
  reg.mreg_json({"version", "tag", "set", "a", "2", "val_mae", "412.7"});
  reg.mreg_json({"version", "update", "a", "1", "--description", "first"});
  reg.mreg_json({"version", "delete", "--yes", "a", "3"});
  model_with_versions(reg, "b", 1);
  reg.mreg_json({"model", "rename", "b", "c"});
  reg.mreg_json({"model", "create", "d"});
  reg.mreg_json({"model", "delete", "--yes", "d"});
  reg.mreg_json({"model", "tag", "delete", "--yes", "a", "team"});

  require_fsck_clean(reg.path());

  Result log = reg.git({"log", "--stat", "--format=%H %s"});
  REQUIRE_EXIT(log, 0);
  Result ops = reg.git({"log", "--format=%(trailers:key=Mreg-Op,valueonly)"});
  REQUIRE_EXIT(ops, 0);
  for (const char* op : {"create-model", "register", "set-tag", "update-version", "delete-version",
                         "rename-model", "delete-model", "delete-tag"})
    CHECK_THAT(ops.out, Contains(op));
  Result show = reg.git({"show", "HEAD"});
  REQUIRE_EXIT(show, 0);
  CHECK_THAT(show.out, Contains("Mreg-Op: delete-tag"));
  Result tag = reg.git({"show", "a@v2"});
  REQUIRE_EXIT(tag, 0);
  CHECK_THAT(tag.out, Contains("tag a@v2"));

  Json before = reg.mreg_json({"model", "list"});

  SECTION("a clone reads the same") {
    TempDir d;
    git_ok({"clone", "-q", reg.path(), d / "clone"}, d.path());
    Result r = mreg({"model", "list", "-o", "json", "--repo", d / "clone"});
    REQUIRE_EXIT(r, 0);
    CHECK(json(r) == before);
  }

  SECTION("after git gc (packed objects and refs) mreg reads and writes") {
    REQUIRE_EXIT(reg.git({"gc", "-q", "--prune=now"}), 0);
    CHECK(reg.mreg_json({"model", "list"}) == before);
    CHECK(reg.mreg_json({"register", "a", "--source", "s3://b/a/4"})["model_version"]["version"] ==
          "4");
    require_fsck_clean(reg.path());
    CHECK(run_check(reg).status == 0);
  }
}

TEST_CASE("a hand edit committed with plain git is read by mreg", "[interop]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m", "--description", "old words"});
  std::string file = reg.path() + "/models/m/model.yaml";
  std::string text = read_file(file);
  auto at = text.find("old words");
  REQUIRE(at != std::string::npos);
  text.replace(at, 9, "new words written by hand");
  write_file(file, text);
  REQUIRE_EXIT(reg.git({"commit", "-q", "-am", "Reword the description"}), 0);

  CHECK(reg.mreg_json({"model", "show", "m"})["registered_model"]["description"] ==
        "new words written by hand");
  CHECK(run_check(reg).status == 0);

  // mreg's next write builds on the hand edit.
  reg.mreg_json({"model", "tag", "set", "m", "k", "v"});
  CHECK(reg.mreg_json({"model", "show", "m"})["registered_model"]["description"] ==
        "new words written by hand");
  reg.require_worktree_matches_head();
}

TEST_CASE("mreg check reports a file that breaks the schema at its line", "[interop][check]") {
  Registry reg;
  model_with_versions(reg, "unknown-key", 1);
  model_with_versions(reg, "wrong-type", 1);
  model_with_versions(reg, "extended", 1);
  reg.mreg_json({"model", "tag", "set", "extended", "any key at all", "v"});
  REQUIRE(run_check(reg).status == 0);

  std::string unknown = reg.show("models/unknown-key/model.yaml") + "colour: blue\n";
  int unknown_line = line_of(unknown, "colour:");
  write_file(reg.path() + "/models/unknown-key/model.yaml", unknown);

  std::string wrong = replace_line(reg.show("models/wrong-type/model.yaml"), "last_version:",
                                   "last_version: many");
  int wrong_line = line_of(wrong, "last_version:");
  write_file(reg.path() + "/models/wrong-type/model.yaml", wrong);

  // Keys starting with x- are extensions and kept.
  write_file(reg.path() + "/models/extended/model.yaml",
             reg.show("models/extended/model.yaml") + "x-owner: team-wind\n");
  reg.hand_commit("Hand edits");

  CheckRun c = run_check(reg);
  CHECK(c.status == 8);
  INFO(c.text);
  INFO(c.problems.dump(2));
  CHECK_THAT(c.text, Contains("models/unknown-key/model.yaml:" + std::to_string(unknown_line) + ":"));
  CHECK_THAT(c.text, Contains("colour"));
  CHECK_THAT(c.text, Contains("models/wrong-type/model.yaml:" + std::to_string(wrong_line) + ":"));
  CHECK(has_problem(c.problems, "models/unknown-key/model.yaml", unknown_line));
  CHECK(has_problem(c.problems, "models/wrong-type/model.yaml", wrong_line));
  CHECK_FALSE(has_problem_under(c.problems, "models/extended/"));
  for (const auto& p : c.problems) CHECK(p.value("message", "") != "");
}

TEST_CASE("mreg check --worktree sees an uncommitted edit that mreg check does not", "[interop][check]") {
  Registry reg;
  model_with_versions(reg, "m", 1);
  std::string text = reg.show("models/m/model.yaml") + "colour: blue\n";
  int line = line_of(text, "colour:");
  write_file(reg.path() + "/models/m/model.yaml", text);

  CHECK(run_check(reg).status == 0);
  CheckRun c = run_check(reg, {"--worktree"});
  CHECK(c.status == 8);
  INFO(c.text);
  CHECK_THAT(c.text, Contains("models/m/model.yaml:" + std::to_string(line) + ":"));
  CHECK(has_problem(c.problems, "models/m/model.yaml", line));
}

// A registry large enough that mreg check reads its folders on several threads: the
// problems still come in folder order, each folder's in the order they are found.
TEST_CASE("mreg check lists the problems of many folders in folder order", "[interop][check]") {
  Registry reg;
  model_with_versions(reg, "m", 2);
  const std::string model = reg.show("models/m/model.yaml"), v1 = reg.show("models/m/versions/1.yaml"),
                    v2 = reg.show("models/m/versions/2.yaml");
  auto copy = [&](const std::string& name) {
    auto named = [&](const std::string& text) { return replace_line(text, "name:", "name: " + name); };
    write_file(reg.path() + "/models/" + name + "/model.yaml", named(model));
    write_file(reg.path() + "/models/" + name + "/versions/1.yaml", named(v1));
    write_file(reg.path() + "/models/" + name + "/versions/2.yaml", named(v2));
  };
  for (int i = 0; i < 80; ++i) copy("m-" + std::string(i < 10 ? "0" : "") + std::to_string(i));
  copy("M-70");  // the same name as m-70 but for case
  write_file(reg.path() + "/models/m-10/model.yaml", replace_line(model, "name:", "name: not-m-10"));
  write_file(reg.path() + "/models/m-40/versions/1.yaml", "name: [m-40\n");
  write_file(reg.path() + "/models/m-75/notes.txt", "hello\n");
  write_file(reg.path() + "/models/stray.txt", "hello\n");
  reg.hand_commit("Copies, some broken");

  CheckRun c = run_check(reg);
  INFO(c.text);
  CHECK(c.status == 8);
  std::vector<std::string> paths;
  for (const auto& p : c.problems) paths.push_back(p.value("path", ""));
  CHECK(paths == std::vector<std::string>{"models/m-10/model.yaml", "models/m-40/versions/1.yaml", "models/m-70",
                                          "models/m-75/notes.txt", "models/stray.txt"});
  CHECK_THAT(c.problems[2].value("message", ""), Contains("differs from 'M-70' only in case"));
}

TEST_CASE("mreg check finds inconsistent files", "[interop][check]") {
  Registry reg;
  model_with_versions(reg, "m", 3);
  reg.mreg_json({"model", "create", "other"});
  std::string model_file = reg.path() + "/models/m/model.yaml";
  std::string text = reg.show("models/m/model.yaml");

  SECTION("a good registry") {
    reg.mreg_json({"version", "delete", "--yes", "m", "2"});
    reg.mreg_json({"model", "rename", "other", "renamed"});
    CheckRun c = run_check(reg);
    INFO(c.text);
    CHECK(c.status == 0);
    CHECK(c.problems.empty());
  }

  SECTION("a folder name that is not the name field") {
    std::string edited = replace_line(text, "name:", "name: not-m");
    write_file(model_file, edited);
    reg.hand_commit("Rename inside the file only");
    CheckRun c = run_check(reg);
    INFO(c.text);
    CHECK(c.status == 8);
    CHECK(has_problem(c.problems, "models/m/model.yaml", line_of(edited, "name:")));
  }

  SECTION("last_version lower than a version") {
    write_file(model_file, replace_line(text, "last_version:", "last_version: 1"));
    reg.hand_commit("Lower last_version");
    CheckRun c = run_check(reg);
    INFO(c.text);
    CHECK(c.status == 8);
    CHECK(has_problem_under(c.problems, "models/m/"));
  }

  SECTION("an alias to a version that does not exist") {
    std::string edited;
    for (const auto& l : lines(text)) {
      edited += l + "\n";
      if (l.rfind("last_version:", 0) == 0) edited += "aliases:\n  champion: 7\n";
    }
    write_file(model_file, edited);
    reg.hand_commit("Alias to nothing");
    CheckRun c = run_check(reg);
    INFO(c.text);
    CHECK(c.status == 8);
    CHECK(has_problem(c.problems, "models/m/model.yaml"));
    CHECK_THAT(c.text, Contains("champion"));
  }

  SECTION("two model names equal ignoring case") {
    namespace fs = std::filesystem;
    fs::copy(reg.path() + "/models/m", reg.path() + "/models/M", fs::copy_options::recursive);
    for (const auto& f : {std::string("model.yaml"), std::string("versions/1.yaml"),
                          std::string("versions/2.yaml"), std::string("versions/3.yaml")}) {
      std::string p = reg.path() + "/models/M/" + f;
      write_file(p, replace_line(read_file(p), "name:", "name: M"));
    }
    reg.hand_commit("A second model named like the first");
    CheckRun c = run_check(reg);
    INFO(c.text);
    CHECK(c.status == 8);
    CHECK((has_problem_under(c.problems, "models/M") || has_problem_under(c.problems, "models/m")));
  }

  SECTION("malformed YAML, with a line number") {
    std::string broken = "name: m\ndescription: fine\ntags:\n  team: [energy\n";
    write_file(model_file, broken);
    reg.hand_commit("Break the YAML");
    CheckRun c = run_check(reg);
    INFO(c.text);
    INFO(c.problems.dump(2));
    CHECK(c.status == 8);
    CHECK_THAT(c.text, Contains("models/m/model.yaml:"));
    REQUIRE(has_problem(c.problems, "models/m/model.yaml"));
    for (const auto& p : c.problems) {
      if (p.value("path", "") != "models/m/model.yaml") continue;
      CHECK(p.value("line", 0) >= 1);
      CHECK(p.value("line", 0) <= 5);
    }
    // The other model is still fine and still readable.
    CHECK_FALSE(has_problem_under(c.problems, "models/other/"));
  }
}
