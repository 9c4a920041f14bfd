// mreg is linked without HTTP and hands the commands that need it over to mreg-http, found beside
// it or in ../libexec/mreg/ (docs/cli.md "Commands"). Here mreg is copied alone, then in the
// installed layout: what stays in mreg works without mreg-http, what needs HTTP says so and
// writes nothing, and the command line (help, suggestions, JSON usage errors, completion) is
// mreg's own either way.
#include <filesystem>

#include "support/file_servers.h"

using namespace e2e;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string beside_mreg(const std::string& name) { return (fs::path(MREG_BINARY).parent_path() / name).string(); }

// The shared libraries an executable asks the loader for (readelf's NEEDED entries).
std::string needed_libraries(const std::string& binary) {
  return sh_ok("readelf -d '" + binary + "' | grep NEEDED || true");
}

// `binary ARGS... --repo REPO`.
Result run_in(const std::string& binary, const Registry& reg, std::vector<std::string> args) {
  args.insert(args.begin(), binary);
  args.push_back("--repo");
  args.push_back(reg.path());
  return run(args);
}

}  // namespace

TEST_CASE("mreg hands HTTP over to mreg-http: alone it downloads local folders, refuses network ones, keeps its CLI",
          "[handover][download][usage]") {
  const std::string http_binary = beside_mreg("mreg-http");
  REQUIRE(fs::exists(http_binary));
  const std::string mreg_needs = needed_libraries(MREG_BINARY);
  CHECK_THAT(mreg_needs, !Contains("httplib") && !Contains("libssl") && !Contains("libgit2"));
  CHECK_THAT(needed_libraries(http_binary), Contains("httplib"));

  Registry reg;
  TempDir work;
  write_file(work / "www/m/MLmodel", "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n");
  write_file(work / "www/m/model.bin", "weights\n");
  sh_ok("cd '" + work / "www/m" + "' && sha256sum MLmodel model.bin > SHA256SUMS");
  StaticHttpServer http(work / "www");
  REQUIRE_EXIT(reg.mreg({"register", "m", "--create-model", "--model-dir", work / "www/m"}), 0);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", http.url("/m"), "--model-dir", work / "www/m"}), 0);

  // mreg alone: no mreg-http beside it, none in ../libexec/mreg/.
  const std::string lone = work / "lone/bin/mreg";
  fs::create_directories(work / "lone/bin");
  fs::copy_file(MREG_BINARY, lone);
  Result r = run_in(lone, reg, {"download", "models:/m/1", work / "out/local"});
  REQUIRE_EXIT(r, 0);
  CHECK(read_file(work / "out/local/model.bin") == "weights\n");
  r = run_in(lone, reg, {"download", "models:/m/2", work / "out/http"});
  CHECK_EXIT(r, 1);
  CHECK_THAT(r.err, Contains("download from http://") && Contains("needs mreg-http") &&
                        Contains(work / "lone/bin/mreg-http") && Contains("libexec/mreg/mreg-http"));
  CHECK_FALSE(fs::exists(work / "out/http"));
  r = run_in(lone, reg, {"serve", "--listen", "127.0.0.1:0"});
  CHECK_EXIT(r, 1);
  CHECK_THAT(r.err, Contains("serve needs mreg-http"));

  // The command line of the handed-over commands is mreg's own.
  r = run({lone, "download", "--help"});
  REQUIRE_EXIT(r, 0);
  CHECK_THAT(r.out, Contains("--require-digest") && Contains("s3://"));
  r = run({lone, "serve", "--help"});
  REQUIRE_EXIT(r, 0);
  CHECK_THAT(r.out, Contains("--listen"));
  r = run({lone, "downlod"});
  CHECK_EXIT(r, 2);
  CHECK_THAT(r.err, Contains("did you mean 'download'?"));
  r = run({lone, "-o", "json", "download", "models:/m/2"});
  CHECK_EXIT(r, 2);
  CHECK(r.out.empty());
  CHECK(nlohmann::json::parse(r.err)["error_code"] == "BAD_REQUEST");
  r = run({lone, "completion", "bash"});
  REQUIRE_EXIT(r, 0);
  CHECK_THAT(r.out, Contains("download") && Contains("serve") && Contains("--require-digest"));

  // Installed: bin/mreg finds libexec/mreg/mreg-http, which downloads over http.
  fs::create_directories(work / "prefix/bin");
  fs::create_directories(work / "prefix/libexec/mreg");
  fs::copy_file(MREG_BINARY, work / "prefix/bin/mreg");
  fs::copy_file(http_binary, work / "prefix/libexec/mreg/mreg-http");
  r = run_in(work / "prefix/bin/mreg", reg, {"download", "-o", "json", "models:/m/2", work / "out/http"});
  REQUIRE_EXIT(r, 0);
  CHECK(json(r)["verified"] == true);
  CHECK(read_file(work / "out/http/model.bin") == "weights\n");
}
