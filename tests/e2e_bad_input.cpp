// Bad input: each is refused with the documented exit code, a message that names what was
// wrong, and nothing written.
#include "support/harness.h"

#include <algorithm>

#include <filesystem>
#include <regex>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

// Runs a command that must be refused: the exit code, stderr naming `needle`, and the
// repository exactly as it was (HEAD, refs, work tree).
Result expect_refused(const Registry& reg, const std::vector<std::string>& args, int code,
                      const std::string& needle, const std::vector<std::string>& env = {}) {
  std::string before = reg.state();
  Result r = reg.mreg(args, env);
  INFO(describe(r));
  CHECK(r.status == code);
  CHECK_THAT(r.err, Contains(needle, Catch::CaseSensitive::No));
  if (code >= 3) CHECK_THAT(r.err, Contains("mreg: error:"));
  CHECK(reg.state() == before);
  return r;
}

}  // namespace

TEST_CASE("invalid model names are refused", "[bad-input][names]") {
  Registry reg;
  reg.mreg_json({"model", "create", "model-a"});

  SECTION("empty, control characters, too long for a folder: exit 3") {
    for (const std::string& name :
         {std::string(""), std::string("tab\there"), std::string("new\nline"), std::string(201, 'n'),
          std::string(67, '/')}) {
      INFO("name [" << name << "]");
      expect_refused(reg, {"model", "create", name}, 3, "name");
    }
    // Also through register --create-model and rename.
    expect_refused(reg, {"register", "a\x01b", "--create-model", "--source", "s3://b/1"}, 3, "name");
    expect_refused(reg, {"model", "rename", "model-a", "a\tb"}, 3, "name");
  }

  SECTION("path-like names are names like any other, in folders of their own") {
    for (const std::string& name : {std::string("../x"), std::string("a/b"), std::string("a\\b"), std::string(".hidden")}) {
      INFO("name [" << name << "]");
      CHECK(reg.mreg_json({"model", "create", name})["registered_model"]["name"] == name);
    }
    const auto files = reg.files();
    for (const auto& f : files) CHECK(f.find("..") == std::string::npos);
    CHECK(std::count(files.begin(), files.end(), "models/%2E%2E%2Fx/model.yaml") == 1);
    CHECK(std::count(files.begin(), files.end(), "models/a%5Cb/model.yaml") == 1);
  }

  SECTION("the longest and the oddest valid names are accepted") {
    std::string longest(128, 'n');
    CHECK(reg.mreg_json({"model", "create", longest})["registered_model"]["name"] == longest);
    CHECK(reg.mreg_json({"model", "create", "A9._-z"})["registered_model"]["name"] == "A9._-z");
  }

  SECTION("a name that differs only in case from an existing one: exit 5") {
    expect_refused(reg, {"model", "create", "Model-A"}, 5, "model-a");
    expect_refused(reg, {"model", "create", "model-a"}, 5, "model-a");
    reg.mreg_json({"model", "create", "other"});
    expect_refused(reg, {"model", "rename", "other", "MODEL-A"}, 5, "model-a");
    expect_refused(reg, {"register", "MODEL-a", "--create-model", "--source", "s3://b/1"}, 5,
                   "model-a");
  }
}

TEST_CASE("invalid tags are refused", "[bad-input][tags]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  reg.mreg_json({"register", "m", "--source", "s3://b/1"});

  SECTION("keys: empty, 251 characters, control characters") {
    for (const std::string& key : {std::string(""), std::string(251, 'k'), std::string("a\x01z"),
                                   std::string("tab\tkey"), std::string("new\nline")}) {
      INFO("key [" << key << "]");
      expect_refused(reg, {"model", "tag", "set", "m", key, "v"}, 3, "key");
      expect_refused(reg, {"version", "tag", "set", "m", "1", key, "v"}, 3, "key");
    }
    expect_refused(reg, {"model", "create", "n", "--tag", "=v"}, 3, "key");
    expect_refused(reg, {"register", "m", "--source", "s3://b/2", "--tag", "=v"}, 3, "key");
  }

  SECTION("values: 5001 characters") {
    std::string value(5001, 'v');
    expect_refused(reg, {"model", "tag", "set", "m", "k", value}, 3, "value");
    expect_refused(reg, {"version", "tag", "set", "m", "1", "k", value}, 3, "value");
    expect_refused(reg, {"model", "create", "n", "--tag", "k=" + value}, 3, "value");
  }

  SECTION("the limits themselves are accepted") {
    std::string key(250, 'k'), value(5000, 'v');
    Json m = reg.mreg_json({"model", "tag", "set", "m", key, value})["registered_model"];
    CHECK(tag_map(m["tags"])[key] == value);
    Json v = reg.mreg_json({"version", "tag", "set", "m", "1", key, ""})["model_version"];
    CHECK(tag_map(v["tags"]).count(key) == 1);
  }
}

TEST_CASE("unknown models and versions, and bad version numbers", "[bad-input]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  reg.mreg_json({"register", "m", "--source", "s3://b/1"});

  SECTION("unknown model: exit 4") {
    expect_refused(reg, {"model", "show", "nosuch"}, 4, "nosuch");
    expect_refused(reg, {"model", "update", "nosuch", "--description", "d"}, 4, "nosuch");
    expect_refused(reg, {"model", "rename", "nosuch", "other"}, 4, "nosuch");
    expect_refused(reg, {"model", "delete", "--yes", "nosuch"}, 4, "nosuch");
    expect_refused(reg, {"model", "tag", "set", "nosuch", "k", "v"}, 4, "nosuch");
    expect_refused(reg, {"version", "list", "nosuch"}, 4, "nosuch");
    expect_refused(reg, {"register", "nosuch", "--source", "s3://b/1"}, 4, "nosuch");
  }

  SECTION("unknown version: exit 4") {
    expect_refused(reg, {"version", "show", "m", "99"}, 4, "99");
    expect_refused(reg, {"version", "update", "m", "99", "--description", "d"}, 4, "99");
    expect_refused(reg, {"version", "delete", "--yes", "m", "99"}, 4, "99");
    expect_refused(reg, {"version", "tag", "set", "m", "99", "k", "v"}, 4, "99");
  }

  SECTION("a version that is not a number: exit 3") {
    expect_refused(reg, {"version", "show", "m", "abc"}, 3, "abc");
    expect_refused(reg, {"version", "delete", "--yes", "m", "abc"}, 3, "abc");
    expect_refused(reg, {"version", "show", "m", "1x"}, 3, "1x");
  }

  SECTION("-o json puts the error on stderr as JSON with MLflow's error code") {
    Result r = reg.mreg({"model", "show", "nosuch", "-o", "json"});
    CHECK_EXIT(r, 4);
    Json e = Json::parse(r.err, nullptr, false);
    INFO(describe(r));
    REQUIRE_FALSE(e.is_discarded());
    CHECK(e["error_code"] == "RESOURCE_DOES_NOT_EXIST");
    CHECK_THAT(e["message"].get<std::string>(), Contains("nosuch"));

    Result bad = reg.mreg({"version", "show", "m", "abc", "-o", "json"});
    CHECK_EXIT(bad, 3);
    Json e3 = Json::parse(bad.err, nullptr, false);
    REQUIRE_FALSE(e3.is_discarded());
    CHECK(e3["error_code"] == "INVALID_PARAMETER_VALUE");
  }
}

TEST_CASE("a malformed YAML file in the repository", "[bad-input][files]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  std::string text = "name: m\ncreated_at: 2026-11-24T09:30:00Z\ntags:\n  team: [energy\n";
  write_file(reg.path() + "/models/m/model.yaml", text);
  reg.hand_commit("Break model.yaml by hand");

  Result r = expect_refused(reg, {"model", "show", "m"}, 8, "models/m/model.yaml:");
  // A listing shows the model as broken (e2e_broken_model.cpp), and says where on stderr.
  Result list = reg.mreg({"model", "list"});
  CHECK_EXIT(list, 0);
  for (const std::string& err : {r.err, list.err}) {
    std::smatch match;
    REQUIRE(std::regex_search(err, match, std::regex("models/m/model\\.yaml:([0-9]+)")));
    int line = std::stoi(match[1]);
    CHECK(line >= 1);
    CHECK(line <= 5);
  }
}

TEST_CASE("not a registry, not a repository", "[bad-input][repo]") {
  TempDir d;

  SECTION("a git repository without mreg.yaml: exit 8") {
    std::string repo = d / "plain";
    git_ok({"init", "-q", repo}, d.path());
    write_file(repo + "/README.md", "plain\n");
    git_ok({"add", "-A"}, repo);
    git_ok({"commit", "-q", "-m", "Plain"}, repo);
    std::string head = git_ok({"rev-parse", "HEAD"}, repo);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"model", "list"}, std::vector<std::string>{"model", "create", "x"},
          std::vector<std::string>{"check"}}) {
      Result r = mreg([&] {
        auto a = args;
        a.push_back("--repo");
        a.push_back(repo);
        return a;
      }());
      CHECK_EXIT(r, 8);
      CHECK_THAT(r.out + r.err, Contains("registry", Catch::CaseSensitive::No) ||
                                    Contains("mreg.yaml"));
      CHECK(git_ok({"rev-parse", "HEAD"}, repo) == head);
      CHECK(git_ok({"status", "--porcelain", "--untracked-files=all"}, repo) == "");
    }
    // Found from inside the work tree, too.
    CHECK_EXIT(mreg({"model", "list"}, repo), 8);
  }

  SECTION("a folder that is not a repository") {
    std::string folder = d / "nothing";
    std::filesystem::create_directories(folder);
    for (const Result& r : {mreg({"model", "list", "--repo", folder}),
                            mreg({"model", "create", "x", "--repo", folder}),
                            mreg({"model", "list"}, folder)}) {
      INFO(describe(r));
      CHECK(r.status == 8);
      CHECK_THAT(r.err, Contains("mreg: error:"));
      CHECK_THAT(r.err, Contains("repository", Catch::CaseSensitive::No));
    }
    // Nothing was made there.
    CHECK(std::filesystem::is_empty(folder));
  }
}

TEST_CASE("a write needs an identity", "[bad-input][identity]") {
  Registry reg;
  const std::vector<std::string> no_identity = {"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                                                "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"};

  SECTION("none in the environment, in git's config or --author: exit 3") {
    Result r = expect_refused(reg, {"model", "create", "m"}, 3, "", no_identity);
    CHECK_THAT(r.err, Contains("user.name") || Contains("--author"));
  }
  SECTION("--author is enough") {
    Json m = reg.mreg_json({"model", "create", "m", "--author", "Dana Doe <dana@example.com>"},
                           no_identity)["registered_model"];
    CHECK(m["user_id"] == "Dana Doe <dana@example.com>");
  }
  SECTION("a malformed --author: exit 3") {
    expect_refused(reg, {"model", "create", "m", "--author", "Dana Doe"}, 3, "author");
    expect_refused(reg, {"model", "create", "m", "--author", "<dana@example.com>"}, 3, "author");
  }
}

TEST_CASE("register with a bad --model-dir", "[bad-input][model-dir]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  TempDir work;

  SECTION("no MLmodel file: exit 3") {
    write_file(work / "model/model.pkl", "bytes");
    expect_refused(reg, {"register", "m", "--model-dir", work / "model"}, 3, "MLmodel");
  }
  SECTION("a folder that does not exist: exit 3") {
    expect_refused(reg, {"register", "m", "--model-dir", work / "missing"}, 3, "missing");
  }
  SECTION("a --run-id that disagrees with the MLmodel file: exit 3") {
    write_file(work / "model/MLmodel",
               "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n"
               "run_id: 11111111111111111111111111111111\n");
    expect_refused(reg,
                   {"register", "m", "--model-dir", work / "model", "--run-id",
                    "22222222222222222222222222222222"},
                   3, "run");
  }
}

TEST_CASE("usage errors: exit 2", "[bad-input][usage]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  expect_refused(reg, {"frobnicate"}, 2, "frobnicate");
  expect_refused(reg, {"model", "frobnicate", "m"}, 2, "frobnicate");
  expect_refused(reg, {"model", "list", "--frobnicate"}, 2, "--frobnicate");
  expect_refused(reg, {"model", "show"}, 2, "");
}

TEST_CASE("a --ref that does not exist is refused, and so is --ref on a write", "[bad-input][ref]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  expect_refused(reg, {"model", "show", "m", "--ref", "no-such-ref"}, 4, "no-such-ref");
  expect_refused(reg, {"model", "list", "--ref", "0123456789abcdef0123456789abcdef01234567"}, 4,
                 "0123456789abcdef");
  expect_refused(reg, {"model", "update", "m", "--description", "d", "--ref", "HEAD"}, 3, "ref");
}
