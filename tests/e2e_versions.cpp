// Model versions: numbering, lineage, --model-dir, reads at other revisions, how the repository
// is found, the work tree, and what every commit looks like.
#include "support/harness.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;
using Tags = std::map<std::string, std::string>;

namespace {

std::string register_version(const Registry& reg, const std::string& model,
                             const std::string& source,
                             const std::vector<std::string>& extra = {},
                             const std::vector<std::string>& env = {}) {
  std::vector<std::string> args{"register", model, "--source", source};
  args.insert(args.end(), extra.begin(), extra.end());
  Json j = reg.mreg_json(args, env);
  REQUIRE(j["model_version"]["version"].is_string());
  return j["model_version"]["version"].get<std::string>();
}

std::vector<std::string> version_numbers(const Json& versions) {
  std::vector<std::string> out;
  for (const auto& v : versions) out.push_back(v["version"].get<std::string>());
  return out;
}

// The environment that makes a write's commit carry the given date.
std::vector<std::string> dated(const std::string& date) {
  return {"GIT_COMMITTER_DATE=" + date, "GIT_AUTHOR_DATE=" + date};
}

// An MLflow model directory as `mlflow.sklearn.save_model` writes it, with a few extra files.
const char* kMLmodel = R"(artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.4
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.3.2
mlflow_version: 2.17.2
model_size_bytes: 1187
model_uuid: 3f2b8f0e1c9d4a6b8e7f6a5b4c3d2e1f
run_id: 6f0a0b2c4d5e4f60a1b2c3d4e5f60718
signature:
  inputs: '[{"type": "double", "name": "wind_speed", "required": true}, {"type": "double",
    "name": "temperature", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]'
  params: null
utc_time_created: '2024-11-24 09:58:40.123456'
)";
const char* kRunId = "6f0a0b2c4d5e4f60a1b2c3d4e5f60718";
const char* kInputs =
    R"([{"type": "double", "name": "wind_speed", "required": true}, {"type": "double", "name": "temperature", "required": true}])";
const char* kOutputs = R"([{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}])";

void write_model_dir(const std::string& dir) {
  write_file(dir + "/MLmodel", kMLmodel);
  write_file(dir + "/model.pkl", std::string("\x80\x04\x95\x00\x00pickled\0bytes\xff", 20));
  write_file(dir + "/conda.yaml", "channels:\n- conda-forge\ndependencies:\n- python=3.11.4\n");
  write_file(dir + "/python_env.yaml", "python: 3.11.4\nbuild_dependencies:\n- pip\n");
  write_file(dir + "/requirements.txt", "mlflow==2.17.2\nscikit-learn==1.3.2\n");
  write_file(dir + "/data/sub dir/weights file.bin", "weights\n");
  write_file(dir + "/registered_model_meta", "model_name: something\nmodel_version: 1\n");
  REQUIRE(symlink("requirements.txt", (dir + "/linked.txt").c_str()) == 0);
}

// The digest exactly as docs/cli.md defines it in shell.
std::string shell_digest(const std::string& dir) {
  std::string out = sh_ok(
      "find -L . -type f ! -path ./registered_model_meta -printf '%P\\n' | LC_ALL=C sort "
      "| xargs -d '\\n' sha256sum | sha256sum",
      dir);
  std::string hex = out.substr(0, out.find(' '));
  REQUIRE(hex.size() == 64);
  return "sha256:" + hex;
}

}  // namespace

TEST_CASE("versions are numbered 1, 2, 3 and numbers are never reused", "[version]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  CHECK(register_version(reg, "m", "s3://bucket/m/1") == "1");
  CHECK(register_version(reg, "m", "s3://bucket/m/2") == "2");
  CHECK(register_version(reg, "m", "s3://bucket/m/3") == "3");
  CHECK(scalar_line(reg.show("models/m/model.yaml"), "last_version") == "3");

  CHECK(reg.mreg_json({"version", "delete", "--yes", "m", "2"}) == Json::object());
  reg.check_commit("HEAD", "delete-version", "m", "2");
  CHECK_EXIT(reg.mreg({"version", "show", "m", "2"}), 4);
  CHECK(version_numbers(reg.mreg_json({"version", "list", "m"})["model_versions"]) ==
        std::vector<std::string>{"3", "1"});
  CHECK(scalar_line(reg.show("models/m/model.yaml"), "last_version") == "3");

  CHECK(register_version(reg, "m", "s3://bucket/m/4") == "4");
  CHECK(scalar_line(reg.show("models/m/model.yaml"), "last_version") == "4");

  // Deleting the highest version does not free its number either.
  reg.mreg_json({"version", "delete", "--yes", "m", "4"});
  CHECK(register_version(reg, "m", "s3://bucket/m/5") == "5");
  CHECK(scalar_line(reg.show("models/m/model.yaml"), "last_version") == "5");

  std::set<std::string> version_files;
  for (const auto& f : reg.files())
    if (f.rfind("models/m/versions/", 0) == 0) version_files.insert(f);
  CHECK(version_files == std::set<std::string>{"models/m/versions/1.yaml",
                                               "models/m/versions/3.yaml",
                                               "models/m/versions/5.yaml"});
  CHECK(version_numbers(reg.mreg_json({"version", "list", "m"})["model_versions"]) ==
        std::vector<std::string>{"5", "3", "1"});
}

TEST_CASE("register --create-model creates the model on the way", "[version]") {
  Registry reg;
  Json v = reg.mreg_json({"register", "fresh", "--create-model", "--source", "s3://b/f/1"});
  CHECK(v["model_version"]["version"] == "1");
  CHECK(reg.mreg_json({"model", "show", "fresh"})["registered_model"]["name"] == "fresh");
  CHECK(scalar_line(reg.show("models/fresh/versions/1.yaml"), "source") == "s3://b/f/1");
}

TEST_CASE("version list, show, update and tags", "[version]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  register_version(reg, "m", "s3://bucket/m/1");
  register_version(reg, "m", "s3://bucket/m/2");

  SECTION("list is newest first") {
    Json versions = reg.mreg_json({"version", "list", "m"})["model_versions"];
    REQUIRE(versions.size() == 2);
    CHECK(version_numbers(versions) == std::vector<std::string>{"2", "1"});
    for (const auto& v : versions) {
      CHECK(v["name"] == "m");
      CHECK(v["current_stage"] == "None");
      CHECK(v["status"] == "READY");
    }
    CHECK(versions[1]["source"] == "s3://bucket/m/1");
  }

  SECTION("update sets the description") {
    Json v = reg.mreg_json({"version", "update", "m", "1", "--description", "First, on 2019-2024 data"})
                 ["model_version"];
    CHECK(v["description"] == "First, on 2019-2024 data");
    CHECK(v["last_updated_timestamp"].get<int64_t>() >= v["creation_timestamp"].get<int64_t>());
    reg.check_commit("HEAD", "update-version", "m", "1");
    Json shown = reg.mreg_json({"version", "show", "m", "1"})["model_version"];
    CHECK(shown["description"] == "First, on 2019-2024 data");
    CHECK(shown["source"] == "s3://bucket/m/1");
    CHECK_FALSE(reg.mreg_json({"version", "show", "m", "2"})["model_version"].contains("description"));
  }

  SECTION("tag set and tag delete") {
    Json v = reg.mreg_json({"version", "tag", "set", "m", "1", "val_mae", "412.7"})["model_version"];
    CHECK(tag_map(v["tags"]) == Tags{{"val_mae", "412.7"}});
    reg.check_commit("HEAD", "set-tag", "m", "1");
    reg.mreg_json({"version", "tag", "set", "m", "1", "dataset", "weather 2019-2024"});
    CHECK(tag_map(reg.mreg_json({"version", "show", "m", "1"})["model_version"]["tags"]) ==
          Tags{{"val_mae", "412.7"}, {"dataset", "weather 2019-2024"}});
    CHECK(tag_map(reg.mreg_json({"version", "show", "m", "2"})["model_version"]["tags"]).empty());

    v = reg.mreg_json({"version", "tag", "delete", "--yes", "m", "1", "val_mae"})["model_version"];
    CHECK(tag_map(v["tags"]) == Tags{{"dataset", "weather 2019-2024"}});
    reg.check_commit("HEAD", "delete-tag", "m", "1");
  }
}

TEST_CASE("register records lineage and who registered the version", "[version][lineage]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});

  SECTION("from the flags and the environment's identity") {
    int64_t before = now_ms();
    Json v = reg.mreg_json({"register", "m", "--source", "s3://ml-artifacts/1/6f0a/artifacts/model",
                            "--run-id", kRunId, "--run-link",
                            "https://tracking.example.com/#/experiments/1/runs/6f0a",
                            "--experiment-id", "1", "--description", "Gradient-boosted trees",
                            "--tag", "val_mae=412.7"})["model_version"];
    int64_t after = now_ms();
    CHECK(v["name"] == "m");
    CHECK(v["version"] == "1");
    CHECK(v["source"] == "s3://ml-artifacts/1/6f0a/artifacts/model");
    CHECK(v["run_id"] == kRunId);
    CHECK(v["run_link"] == "https://tracking.example.com/#/experiments/1/runs/6f0a");
    CHECK(v["experiment_id"] == "1");
    CHECK(v["description"] == "Gradient-boosted trees");
    CHECK(tag_map(v["tags"]) == Tags{{"val_mae", "412.7"}});
    CHECK(v["user_id"] == kIdentity);
    CHECK(v["status"] == "READY");
    CHECK(v["current_stage"] == "None");
    REQUIRE(v["creation_timestamp"].is_number_integer());
    int64_t created = v["creation_timestamp"].get<int64_t>();
    CHECK(created >= before - 1000);
    CHECK(created <= after + 1000);

    CHECK(reg.mreg_json({"version", "show", "m", "1"})["model_version"] == v);

    std::string file = reg.show("models/m/versions/1.yaml");
    INFO("versions/1.yaml:\n" << file);
    CHECK(scalar_line(file, "name") == "m");
    CHECK(scalar_line(file, "version") == "1");
    CHECK(scalar_line(file, "stage") == "None");
    CHECK(scalar_line(file, "source") == "s3://ml-artifacts/1/6f0a/artifacts/model");
    CHECK(scalar_line(file, "run_id") == kRunId);
    CHECK(scalar_line(file, "experiment_id") == "1");
    CHECK(scalar_line(file, "status") == "READY");
    CHECK(scalar_line(file, "created_by") == kIdentity);
    CHECK(rfc3339_ms(scalar_line(file, "created_at")) == created);

    CHECK(reg.git_ok({"log", "-1", "--format=%an <%ae>"}) == kIdentity);
    reg.check_commit("HEAD", "register", "m", "1");
  }

  SECTION("--author names who registered it") {
    Json v = reg.mreg_json({"register", "m", "--source", "s3://b/1", "--author",
                            "Alice Andersson <alice@example.com>"})["model_version"];
    CHECK(v["user_id"] == "Alice Andersson <alice@example.com>");
    CHECK(scalar_line(reg.show("models/m/versions/1.yaml"), "created_by") ==
          "Alice Andersson <alice@example.com>");
    CHECK(reg.git_ok({"log", "-1", "--format=%an <%ae>"}) == "Alice Andersson <alice@example.com>");
  }

  SECTION("GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL name who registered it") {
    Json v = reg.mreg_json({"register", "m", "--source", "s3://b/1"},
                           {"GIT_AUTHOR_NAME=Bob Builder", "GIT_AUTHOR_EMAIL=bob@example.com"})
                 ["model_version"];
    CHECK(v["user_id"] == "Bob Builder <bob@example.com>");
  }

  SECTION("git's user.name and user.email when the environment has none") {
    reg.git_ok({"config", "user.name", "Carol Config"});
    reg.git_ok({"config", "user.email", "carol@example.com"});
    Json v = reg.mreg_json({"register", "m", "--source", "s3://b/1"},
                           {"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                            "GIT_COMMITTER_EMAIL"})["model_version"];
    CHECK(v["user_id"] == "Carol Config <carol@example.com>");
  }
}

TEST_CASE("register --model-dir reads the MLmodel file and digests the files", "[version][lineage]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m"});
  TempDir work;
  std::string dir = work / "model";
  write_model_dir(dir);
  std::string digest = shell_digest(dir);

  Json v = reg.mreg_json({"register", "m", "--model-dir", dir})["model_version"];
  CHECK(v["run_id"] == kRunId);
  CHECK(v["flavors"] == Json::array({"python_function", "sklearn"}));
  CHECK(v["digest"] == digest);
  CHECK(v["source"] == dir);
  REQUIRE(v["signature"].is_object());
  CHECK(v["signature"]["inputs"] == kInputs);
  CHECK(v["signature"]["outputs"] == kOutputs);

  std::string file = reg.show("models/m/versions/1.yaml");
  INFO("versions/1.yaml:\n" << file);
  CHECK(scalar_line(file, "digest") == digest);
  CHECK(scalar_line(file, "run_id") == kRunId);
  CHECK(file.find("python_function") != std::string::npos);
  CHECK(file.find("sklearn") != std::string::npos);

  SECTION("registered_model_meta is left out of the digest, other files are not") {
    write_file(dir + "/registered_model_meta", "model_name: other\nmodel_version: 7\n");
    Json again = reg.mreg_json({"register", "m", "--model-dir", dir})["model_version"];
    CHECK(again["digest"] == digest);

    write_file(dir + "/data/sub dir/weights file.bin", "other weights\n");
    std::string changed = shell_digest(dir);
    REQUIRE(changed != digest);
    Json third = reg.mreg_json({"register", "m", "--model-dir", dir})["model_version"];
    CHECK(third["digest"] == changed);
  }

  SECTION("a --run-id that agrees with the MLmodel file and an explicit --source") {
    Json w = reg.mreg_json({"register", "m", "--model-dir", dir, "--run-id", kRunId, "--source",
                            "s3://bucket/m/copy"})["model_version"];
    CHECK(w["run_id"] == kRunId);
    CHECK(w["source"] == "s3://bucket/m/copy");
    CHECK(w["digest"] == digest);
  }
}

TEST_CASE("reads with --ref see the registry as it was", "[ref]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m", "--description", "one"}, dated("2021-01-01T00:00:00Z"));
  std::string c1 = reg.head();
  reg.mreg_json({"model", "update", "m", "--description", "two"}, dated("2022-01-01T12:00:00Z"));
  reg.git_ok({"tag", "light-two"});
  reg.git_ok({"tag", "-a", "annotated-two", "-m", "state two"});
  reg.mreg_json({"register", "m", "--source", "s3://b/1"}, dated("2023-01-01T00:00:00Z"));
  reg.mreg_json({"model", "update", "m", "--description", "four"}, dated("2024-01-01T00:00:00Z"));
  std::string branch = reg.git_ok({"symbolic-ref", "--short", "HEAD"});

  // mreg dates its commits like git does.
  CHECK(reg.git_ok({"log", "-4", "--format=%ct"}) ==
        "1704067200\n1672531200\n1641038400\n1609459200");

  auto description_at = [&](const std::string& ref) {
    return reg.mreg_json({"model", "show", "m", "--ref", ref})["registered_model"]["description"];
  };
  auto versions_at = [&](const std::string& ref) {
    return list_field(reg.mreg_json({"version", "list", "m", "--ref", ref}), "model_versions").size();
  };

  CHECK(description_at("HEAD") == "four");
  CHECK(reg.mreg_json({"model", "show", "m"})["registered_model"]["description"] == "four");
  SECTION("HEAD~N") {
    CHECK(description_at("HEAD~2") == "two");
    CHECK(versions_at("HEAD~2") == 0);
    CHECK(versions_at("HEAD~1") == 1);
    CHECK(description_at("HEAD~3") == "one");
  }
  SECTION("tags") {
    CHECK(description_at("light-two") == "two");
    CHECK(description_at("annotated-two") == "two");
    CHECK(description_at("m@v1") == "two");
    CHECK(versions_at("m@v1") == 1);
  }
  SECTION("a commit id") {
    CHECK(description_at(c1) == "one");
    CHECK(description_at(c1.substr(0, 12)) == "one");
    Json models = reg.mreg_json({"model", "list", "--ref", c1})["registered_models"];
    REQUIRE(models.size() == 1);
    CHECK(models[0]["description"] == "one");
  }
  SECTION("@{DATE} and BRANCH@{DATE}") {
    CHECK(description_at("@{2022-06-01}") == "two");
    CHECK(versions_at("@{2022-06-01}") == 0);
    CHECK(versions_at("@{2023-06-01T00:00:00Z}") == 1);
    CHECK(description_at("@{2023-06-01T00:00:00Z}") == "two");
    CHECK(description_at(branch + "@{2021-06-01}") == "one");
    // A bare date means the end of that day, UTC.
    CHECK(description_at("@{2022-01-01}") == "two");
    CHECK(description_at("@{2021-12-31}") == "one");
    CHECK(description_at("@{2022-01-01T11:59:59Z}") == "one");
    CHECK(description_at("@{2025-01-01}") == "four");
    // Nothing was made before 2021 on the branch's first-parent history but the init commit,
    // which is dated now.
    CHECK_EXIT(reg.mreg({"model", "show", "m", "--ref", "@{2020-06-01}"}), 4);
  }
}

TEST_CASE("the repository is found through --repo, MREG_REPO and the current folder", "[repo]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m", "--description", "found"});
  TempDir elsewhere;
  auto description = [](const Result& r) {
    REQUIRE_EXIT(r, 0);
    return json(r)["registered_model"]["description"];
  };

  SECTION("--repo") {
    CHECK(description(mreg({"model", "show", "m", "-o", "json", "--repo", reg.path()},
                           elsewhere.path())) == "found");
  }
  SECTION("MREG_REPO") {
    CHECK(description(mreg({"model", "show", "m", "-o", "json"}, elsewhere.path(),
                           {"MREG_REPO=" + reg.path()})) == "found");
    // Writes too.
    Result w = mreg({"model", "tag", "set", "m", "k", "v"}, elsewhere.path(),
                    {"MREG_REPO=" + reg.path()});
    REQUIRE_EXIT(w, 0);
    CHECK(tag_map(reg.mreg_json({"model", "show", "m"})["registered_model"]["tags"])["k"] == "v");
  }
  SECTION("--repo wins over MREG_REPO") {
    Registry other;
    CHECK(description(mreg({"model", "show", "m", "-o", "json", "--repo", reg.path()},
                           elsewhere.path(), {"MREG_REPO=" + other.path()})) == "found");
    CHECK_EXIT(mreg({"model", "show", "m", "--repo", other.path()}, elsewhere.path(),
                    {"MREG_REPO=" + reg.path()}),
               4);
  }
  SECTION("a subfolder of the work tree") {
    CHECK(description(mreg({"model", "show", "m", "-o", "json"}, reg.path())) == "found");
    CHECK(description(mreg({"model", "show", "m", "-o", "json"}, reg.path() + "/models/m")) ==
          "found");
    std::filesystem::create_directories(reg.path() + "/notes/deeper");
    CHECK(description(mreg({"model", "show", "m", "-o", "json"}, reg.path() + "/notes/deeper")) ==
          "found");
  }
  SECTION("a bare repository through MREG_REPO") {
    Registry bare(true);
    Result w = mreg({"model", "create", "b"}, elsewhere.path(), {"MREG_REPO=" + bare.path()});
    REQUIRE_EXIT(w, 0);
    Result r = mreg({"model", "list", "-o", "json"}, elsewhere.path(), {"MREG_REPO=" + bare.path()});
    REQUIRE_EXIT(r, 0);
    CHECK(json(r)["registered_models"][0]["name"] == "b");
  }
}

TEST_CASE("writes keep the work tree equal to HEAD", "[worktree]") {
  Registry reg;
  reg.require_worktree_matches_head();
  const std::vector<std::vector<std::string>> writes = {
      {"model", "create", "a", "--description", "A", "--tag", "team=x"},
      {"model", "create", "b"},
      {"register", "a", "--source", "s3://b/a/1"},
      {"register", "a", "--source", "s3://b/a/2", "--tag", "k=v"},
      {"version", "update", "a", "1", "--description", "first"},
      {"version", "tag", "set", "a", "2", "val", "1.5"},
      {"version", "tag", "delete", "--yes", "a", "2", "k"},
      {"model", "tag", "set", "b", "owner", "me"},
      {"model", "tag", "delete", "--yes", "a", "team"},
      {"register", "b", "--source", "s3://b/b/1"},
      {"model", "rename", "b", "c"},
      {"version", "delete", "--yes", "a", "1"},
      {"model", "update", "a", "--description", "A2"},
      {"model", "delete", "--yes", "c"},
  };
  for (const auto& w : writes) {
    std::string cmd;
    for (const auto& a : w) cmd += a + " ";
    INFO("after mreg " << cmd);
    REQUIRE_EXIT(reg.mreg(w), 0);
    reg.require_worktree_matches_head();
  }
  CHECK_FALSE(std::filesystem::exists(reg.path() + "/models/b"));
  CHECK_FALSE(std::filesystem::exists(reg.path() + "/models/c"));
  CHECK_FALSE(std::filesystem::exists(reg.path() + "/models/a/versions/1.yaml"));
}

TEST_CASE("a write does not overwrite an uncommitted change to a path it touches", "[worktree]") {
  Registry reg;
  reg.mreg_json({"model", "create", "m", "--description", "one"});
  reg.mreg_json({"model", "create", "other"});
  register_version(reg, "m", "s3://b/m/1");
  std::string model_file = reg.path() + "/models/m/model.yaml";
  std::string head = reg.head();

  SECTION("an edited model.yaml stops model update") {
    std::string edited = read_file(model_file) + "# a note I have not committed yet\n";
    write_file(model_file, edited);
    Result r = reg.mreg({"model", "update", "m", "--description", "two"});
    CHECK_EXIT(r, 6);
    CHECK_THAT(r.err, Contains("models/m/model.yaml"));
    CHECK(reg.head() == head);
    CHECK(read_file(model_file) == edited);
    CHECK(reg.git_ok({"status", "--porcelain", "--untracked-files=all"}) == " M models/m/model.yaml");
    CHECK(reg.mreg_json({"model", "show", "m"})["registered_model"]["description"] == "one");
  }

  SECTION("a staged edit stops a model tag write") {
    std::string edited = read_file(model_file) + "# staged, not committed\n";
    write_file(model_file, edited);
    reg.git_ok({"add", "models/m/model.yaml"});
    Result r = reg.mreg({"model", "tag", "set", "m", "k", "v"});
    CHECK_EXIT(r, 6);
    CHECK(reg.head() == head);
    CHECK(read_file(model_file) == edited);
  }

  SECTION("an edited version file stops version update") {
    std::string version_file = reg.path() + "/models/m/versions/1.yaml";
    std::string edited = read_file(version_file) + "# mine\n";
    write_file(version_file, edited);
    Result r = reg.mreg({"version", "update", "m", "1", "--description", "x"});
    CHECK_EXIT(r, 6);
    CHECK(reg.head() == head);
    CHECK(read_file(version_file) == edited);
  }

  SECTION("an edit to a path the write does not touch stays and does not stop it") {
    std::string other_file = reg.path() + "/models/other/model.yaml";
    std::string edited = read_file(other_file) + "# mine\n";
    write_file(other_file, edited);
    write_file(reg.path() + "/NOTES.txt", "untracked notes\n");
    Result r = reg.mreg({"model", "update", "m", "--description", "two"});
    REQUIRE_EXIT(r, 0);
    CHECK(reg.head() != head);
    CHECK(read_file(other_file) == edited);
    CHECK(read_file(reg.path() + "/NOTES.txt") == "untracked notes\n");
    CHECK(reg.git_ok({"status", "--porcelain", "--untracked-files=all"}) ==
          " M models/other/model.yaml\n?? NOTES.txt");
    CHECK(read_file(model_file) == reg.show("models/m/model.yaml"));
  }
}

TEST_CASE("every write is one commit with trailers, and a registration makes an annotated tag", "[commits]") {
  Registry reg(true);
  auto write = [&](const std::vector<std::string>& args) {
    int before = reg.commit_count();
    Result r = reg.mreg(args);
    REQUIRE_EXIT(r, 0);
    CHECK(reg.commit_count() == before + 1);
  };
  write({"model", "create", "m"});
  reg.check_commit("HEAD", "create-model", "m");
  write({"model", "update", "m", "--description", "d"});
  reg.check_commit("HEAD", "update-model", "m");
  write({"model", "tag", "set", "m", "k", "v"});
  reg.check_commit("HEAD", "set-tag", "m");
  CHECK(trailers(reg.path(), "HEAD").count("Mreg-Version") == 0);
  CHECK(trailer(reg.path(), "HEAD", "Mreg-Tag") == "k");
  write({"model", "tag", "delete", "--yes", "m", "k"});
  reg.check_commit("HEAD", "delete-tag", "m");

  write({"register", "m", "--source", "s3://b/1"});
  reg.check_commit("HEAD", "register", "m", "1");
  std::string v1_commit = reg.head();
  write({"register", "m", "--source", "s3://b/2"});
  reg.check_commit("HEAD", "register", "m", "2");
  std::string v2_commit = reg.head();

  CHECK(reg.git_ok({"tag", "-l", "m@v*"}) == "m@v1\nm@v2");
  CHECK(reg.git_ok({"cat-file", "-t", "m@v1"}) == "tag");
  CHECK(reg.git_ok({"cat-file", "-t", "m@v2"}) == "tag");
  CHECK(reg.git_ok({"rev-parse", "m@v1^{commit}"}) == v1_commit);
  CHECK(reg.git_ok({"rev-parse", "m@v2^{commit}"}) == v2_commit);
  // The tag message: NAME version N, a blank line, and the lineage that is set.
  CHECK(trim(reg.git_ok({"for-each-ref", "--format=%(contents)", "refs/tags/m@v1"})) ==
        "m version 1\n\nsource: s3://b/1");

  write({"version", "update", "m", "1", "--description", "d1"});
  reg.check_commit("HEAD", "update-version", "m", "1");
  write({"version", "tag", "set", "m", "2", "k", "v"});
  reg.check_commit("HEAD", "set-tag", "m", "2");
  CHECK(trailer(reg.path(), "HEAD", "Mreg-Tag") == "k");
  write({"version", "tag", "delete", "--yes", "m", "2", "k"});
  reg.check_commit("HEAD", "delete-tag", "m", "2");
  write({"version", "delete", "--yes", "m", "2"});
  reg.check_commit("HEAD", "delete-version", "m", "2");
  // Tags are never moved or removed.
  CHECK(reg.git_ok({"rev-parse", "m@v2^{commit}"}) == v2_commit);
  write({"model", "rename", "m", "n"});
  reg.check_commit("HEAD", "rename-model", "n");
  CHECK(trailer(reg.path(), "HEAD", "Mreg-From") == "m");
  CHECK(trailer(reg.path(), "HEAD", "Mreg-To") == "n");
  write({"model", "delete", "--yes", "n"});
  reg.check_commit("HEAD", "delete-model", "n");

  SECTION("--no-tags registers without making a git tag") {
    REQUIRE_EXIT(reg.mreg({"register", "x", "--create-model", "--no-tags", "--source", "s3://b/x"}), 0);
    CHECK(reg.git_ok({"tag", "-l", "x@v*"}) == "");
  }
}
