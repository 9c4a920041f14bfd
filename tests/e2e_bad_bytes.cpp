// Hostile bytes in a registry, committed by hand with plain git: each is a named problem
// (`path:line: message`, exit 8) in every command that reads the file and in `mreg check`, or
// is read right; `mreg serve` answers the broken model's requests with an error and keeps
// serving. And the CLI never writes what a reader would refuse (exit 3, nothing written).
#include "support/harness.h"
#include "support/server.h"

#include <regex>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

// A registry with two models, "ok" and "m", each with version 1.
struct TwoModels {
  Registry reg;
  TwoModels() {
    reg.mreg_json({"model", "create", "ok"});
    reg.mreg_json({"register", "ok", "--source", "s3://b/ok/1"});
    reg.mreg_json({"model", "create", "m", "--description", "a model"});
    reg.mreg_json({"register", "m", "--source", "s3://b/m/1"});
  }
};

// The 1-based line of "path:LINE:" in text; 0 when text does not name path with a line.
int named_line(const std::string& text, const std::string& path) {
  std::smatch match;
  const std::regex re(std::regex_replace(path, std::regex("[.]"), "\\.") + ":([0-9]+): ");
  if (!std::regex_search(text, match, re)) return 0;
  return std::stoi(match[1]);
}

// `args` is refused with exit 8 and stderr names `path` at `line` with `message`.
void expect_named_problem(const Registry& reg, const std::vector<std::string>& args, const std::string& path,
                          int line, const std::string& message) {
  Result r = reg.mreg(args);
  INFO(describe(r));
  CHECK(r.status == 8);
  CHECK(named_line(r.err, path) == line);
  CHECK_THAT(r.err, Contains(message));
  CHECK_THAT(r.err, !Contains("internal error"));
}

// `mreg check` fails and lists the problem, in the table and in JSON.
void expect_check_names(const Registry& reg, const std::string& path, int line, const std::string& message) {
  Result r = reg.mreg({"check"});
  INFO(describe(r));
  CHECK(r.status == 8);
  CHECK(named_line(r.out, path) == line);
  CHECK_THAT(r.out, Contains(message));
  Result j = reg.mreg({"-o", "json", "check"});
  INFO(describe(j));
  CHECK(j.status == 8);
  const Json report = Json::parse(j.out);
  CHECK(report["ok"] == false);
  bool found = false;
  for (const auto& p : report["problems"])
    found = found || (p["path"] == path && p["message"].get<std::string>().find(message) != std::string::npos);
  CHECK(found);
}

// The server shows the broken model's page marked broken with the problem naming the file,
// answers its API call with an error naming the file, and keeps answering: the other model's
// page and API call work after them.
void expect_server_survives(const Registry& reg, const std::string& path) {
  Server server({"--repo", reg.path()});
  auto page = server.get("/models/m");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK_THAT(page->body, Contains("broken-badge"));
  CHECK_THAT(page->body, Contains(path));
  auto api = server.get("/api/2.0/mlflow/registered-models/get?name=m");
  REQUIRE(api);
  CHECK(api->status >= 400);
  const Json error = json_body(api);
  CHECK(error["error_code"] == "INVALID_STATE");
  CHECK_THAT(error["message"].get<std::string>(), Contains(path));
  auto ok_page = server.get("/models/ok");
  REQUIRE(ok_page);
  CHECK(ok_page->status == 200);
  auto ok_api = server.get("/api/2.0/mlflow/registered-models/get?name=ok");
  REQUIRE(ok_api);
  CHECK(ok_api->status == 200);
  CHECK(json_body(ok_api)["registered_model"]["name"] == "ok");
}

// A model.yaml that breaks the way `line` says: everything a user would check.
void break_model_file(TwoModels& f, const std::string& text, int line, const std::string& message) {
  const std::string path = "models/m/model.yaml";
  write_file(f.reg.path() + "/" + path, text);
  f.reg.hand_commit("Edit model.yaml by hand");
  expect_named_problem(f.reg, {"model", "show", "m"}, path, line, message);
  expect_named_problem(f.reg, {"-o", "json", "version", "show", "m", "1"}, path, line, message);
  expect_check_names(f.reg, path, line, message);
  expect_server_survives(f.reg, path);
  // The other model is still read.
  CHECK(f.reg.mreg_json({"model", "show", "ok"})["registered_model"]["name"] == "ok");
}

const std::string kModelHead =
    "name: m\ncreated_at: 2026-11-24T09:30:00Z\ncreated_by: Test User <test@example.com>\n"
    "updated_at: 2026-11-24T09:30:00Z\nlast_version: 1\n";

}  // namespace

TEST_CASE("a long run of UTF-8 continuation bytes in a field is a named problem", "[bad-bytes][utf8]") {
  TwoModels f;
  SECTION("in a double-quoted description") {
    break_model_file(f, kModelHead + "description: \"" + std::string(4000, '\x80') + "\"\n", 6, "not valid UTF-8");
  }
  SECTION("in a plain tag value") {
    break_model_file(f, kModelHead + "tags:\n  team: " + std::string(64, '\xbf') + "\n", 7, "not valid UTF-8");
  }
  SECTION("an overlong encoding of '/' in the name") {
    break_model_file(f, "name: m\xc0\xaf\n" + kModelHead.substr(8), 1, "not valid UTF-8");
  }
}

TEST_CASE("an alias bomb in model.yaml or mreg.yaml is refused without expanding it", "[bad-bytes][aliases]") {
  // Nine levels of nine aliases: 387 million strings once expanded, from 600 bytes.
  std::string bomb = "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const std::string prev(1, static_cast<char>(c - 1));
    bomb += "x-" + std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int i = 0; i < 9; ++i) bomb += (i ? ",*" : "*") + prev;
    bomb += "]\n";
  }
  // A read that expanded it would need gigabytes: give the commands 1 GB of address space.
  auto limited = [](const Registry& reg, const std::string& args) {
    return run({"sh", "-c", "ulimit -v 1048576; exec \"$0\" --repo \"$1\" " + args, MREG_BINARY, reg.path()});
  };
  TwoModels f;

  SECTION("model.yaml") {
    const std::string path = "models/m/model.yaml";
    write_file(f.reg.path() + "/" + path, kModelHead + bomb);
    f.reg.hand_commit("An alias bomb");
    Result r = limited(f.reg, "model show m");
    INFO(describe(r));
    CHECK(r.status == 8);
    CHECK(named_line(r.err, path) == 6);
    CHECK_THAT(r.err, Contains("anchors and aliases"));
    Result c = limited(f.reg, "check");
    INFO(describe(c));
    CHECK(c.status == 8);
    CHECK(named_line(c.out, path) == 6);
    expect_server_survives(f.reg, path);
  }
  SECTION("mreg.yaml") {
    write_file(f.reg.path() + "/mreg.yaml", "format: 1\nregistry: test/registry\nstages: [None, Staging, Production, Archived]\n" + bomb);
    f.reg.hand_commit("An alias bomb");
    for (const std::string& args : {"model list", "check", "model show ok"}) {
      Result r = limited(f.reg, args);
      INFO(describe(r));
      CHECK(r.status == 8);
      CHECK(named_line(r.err + r.out, "mreg.yaml") == 4);
      CHECK_THAT(r.err + r.out, Contains("anchors and aliases"));
    }
  }
}

TEST_CASE("a number out of range is a named problem, not an internal error", "[bad-bytes][numbers]") {
  TwoModels f;
  SECTION("1e400 where an integer belongs") {
    break_model_file(f, replace_line(kModelHead, "last_version:", "last_version: 1e400"), 5, "out of range");
  }
  SECTION("1e400 in an extension") {
    break_model_file(f, kModelHead + "x-score: -1e400\n", 6, "out of range");
  }
  SECTION("0x followed by more than 64 bits") {
    break_model_file(f, kModelHead + "x-id: 0xFFFFFFFFFFFFFFFFFFFF\n", 6, "out of range");
  }
}

TEST_CASE("a file saved with a byte-order mark reads as without one", "[bad-bytes][bom]") {
  TwoModels f;
  const std::string path = f.reg.path() + "/models/m/model.yaml";
  const Json before = f.reg.mreg_json({"model", "show", "m"});
  write_file(path, "\xef\xbb\xbf" + read_file(path));
  f.reg.hand_commit("Saved with a BOM");
  CHECK(f.reg.mreg_json({"model", "show", "m"}) == before);
  Result c = f.reg.mreg({"check"});
  CHECK_EXIT(c, 0);
  // A BOM anywhere but the start is a character of the value, the same to both readers.
  write_file(path, replace_line(read_file(path).substr(3), "description:", "description: a\xef\xbb\xbf model"));
  f.reg.hand_commit("A BOM inside the description");
  CHECK(f.reg.mreg_json({"model", "show", "m"})["registered_model"]["description"] == "a\xef\xbb\xbf model");
}

TEST_CASE("NUL bytes are refused, raw or escaped, and limits apply to the decoded value", "[bad-bytes][nul]") {
  TwoModels f;
  SECTION("a raw NUL byte") {
    break_model_file(f, kModelHead + "tags:\n  team: en" + std::string(1, '\0') + "ergy\n", 7, "NUL");
  }
  SECTION("an escaped NUL before 20,000 characters") {
    break_model_file(f, kModelHead + "tags:\n  team: \"\\0" + std::string(20001, 'v') + "\"\n", 7, "NUL");
  }
  SECTION("an escaped lone surrogate") {
    break_model_file(f, kModelHead + "description: \"\\ud800\"\n", 6, "invalid unicode");
  }
  SECTION("20,001 characters after an escape are too long") {
    break_model_file(f, kModelHead + "tags:\n  team: \"\\t" + std::string(20000, 'v') + "\"\n", 7, "too long");
  }
}

TEST_CASE("a second YAML document in a file is a named problem", "[bad-bytes][documents]") {
  TwoModels f;
  break_model_file(f, kModelHead + "---\nname: other\n", 6, "second YAML document");
}

TEST_CASE("a gitlink or a symbolic link in a model folder is a named problem", "[bad-bytes][tree]") {
  TwoModels f;
  Registry& reg = f.reg;
  reg.mreg_json({"register", "m", "--source", "s3://b/m/2"});

  SECTION("a gitlink in place of versions/2.yaml") {
    reg.git_ok({"rm", "-q", "--cached", "models/m/versions/2.yaml"});
    reg.git_ok({"update-index", "--add", "--cacheinfo", "160000," + reg.head() + ",models/m/versions/2.yaml"});
    reg.git_ok({"commit", "-q", "-m", "A gitlink for version 2"});
    const std::string path = "models/m/versions/2.yaml";
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"version", "list", "m"}, {"version", "show", "m", "2"}, {"model", "show", "m"}}) {
      Result r = reg.mreg(args);
      INFO(describe(r));
      CHECK(r.status == 8);
      CHECK_THAT(r.err, Contains(path + ":1: is a submodule (gitlink)"));
    }
    Result c = reg.mreg({"check"});
    INFO(describe(c));
    CHECK(c.status == 8);
    CHECK_THAT(c.out, Contains(path + ":1: is a submodule (gitlink)"));
    expect_server_survives(reg, path);
  }
  SECTION("a requests/ folder that is a symbolic link") {
    sh_ok("ln -s ../ok/versions models/m/requests", reg.path());
    reg.hand_commit("requests/ as a link");
    Result c = reg.mreg({"check"});
    INFO(describe(c));
    CHECK(c.status == 8);
    CHECK_THAT(c.out, Contains("models/m/requests:1: is a symbolic link"));
    Result r = reg.mreg({"model", "show", "m"});
    INFO(describe(r));
    CHECK(r.status == 8);
    CHECK_THAT(r.err, Contains("models/m/requests:1: is a symbolic link"));
    // The work tree's linter says the same.
    Result w = reg.mreg({"check", "--worktree"});
    CHECK(w.status == 8);
    CHECK_THAT(w.out, Contains("models/m/requests:1: is a symbolic link"));
  }
  SECTION("a symbolic link under .mreg/") {
    sh_ok("mkdir -p .mreg && ln -s ../mreg.yaml .mreg/allowed_signers", reg.path());
    reg.hand_commit("A link in .mreg");
    Result c = reg.mreg({"check"});
    INFO(describe(c));
    CHECK(c.status == 8);
    CHECK_THAT(c.out, Contains(".mreg/allowed_signers:1: is a symbolic link"));
  }
}

TEST_CASE("arguments that are not UTF-8 text are refused before anything is written", "[bad-bytes][cli]") {
  TwoModels f;
  Registry& reg = f.reg;
  const std::string before = reg.state();
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  for (const Case& c : std::vector<Case>{
           {{"model", "create", "n", "--description", "bad \xff byte"}, "--description"},
           {{"model", "update", "m", "--description=\xc3"}, "--description"},
           {{"model", "tag", "set", "m", "team", "\xed\xa0\x80"}, "argument"},
           {{"register", "m", "--source", "s3://b/\xfe"}, "--source"},
           {{"comment", "m", "1", "\x80\x80"}, "argument"},
       }) {
    Result r = reg.mreg(c.args);
    INFO(describe(r));
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Contains(c.names));
    CHECK_THAT(r.err, Contains("not valid UTF-8"));
    CHECK(reg.state() == before);
  }
  // The refusal in JSON is JSON.
  Result j = reg.mreg({"-o", "json", "model", "create", "n", "--description", "\xff"});
  CHECK(j.status == 3);
  CHECK(Json::parse(j.err)["error_code"] == "INVALID_PARAMETER_VALUE");
  // What was written before still reads, as JSON too.
  CHECK(reg.mreg({"check"}).status == 0);
  CHECK(reg.mreg_json({"model", "show", "m"})["registered_model"]["description"] == "a model");
}

TEST_CASE("an MLflow import with a NUL or non-UTF-8 tag is refused and writes nothing", "[bad-bytes][mlflow]") {
  Registry reg;
  const std::string store = reg.dir / "mlruns";
  write_file(store + "/models/churn/meta.yaml",
             "creation_timestamp: 1760000200000\ndescription: null\nlast_updated_timestamp: 1760000200000\nname: churn\n");
  const std::string before = reg.state();
  SECTION("NUL") { write_file(store + "/models/churn/tags/team", std::string("ri\0sk", 5)); }
  SECTION("not UTF-8") { write_file(store + "/models/churn/tags/team", "ri\xffsk"); }
  Result r = reg.mreg({"import", "mlflow", store});
  INFO(describe(r));
  CHECK(r.status == 3);
  CHECK_THAT(r.err, Contains("churn/tags/team"));
  CHECK(reg.state() == before);
}

TEST_CASE("a page token that is no token is an invalid value, on the CLI and over HTTP", "[bad-bytes][page-token]") {
  TwoModels f;
  for (const std::string& token : {"====", "A===", "gA==", "////"}) {
    INFO("token " << token);
    Result r = f.reg.mreg({"search", "models", "--page-token", token});
    INFO(describe(r));
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Contains("Invalid page token"));
  }
  Server server({"--repo", f.reg.path()});
  auto res = server.get("/api/2.0/mlflow/registered-models/search?page_token=" + query_escape("===="));
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(json_body(res)["error_code"] == "INVALID_PARAMETER_VALUE");
  auto ok = server.get("/api/2.0/mlflow/registered-models/search");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}
