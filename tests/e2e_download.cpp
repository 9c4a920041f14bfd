// mreg download: a version's files fetched from its source (a local folder, file://, http(s)
// with a SHA256SUMS or B3SUMS listing, S3 through a real S3-compatible server) into DEST, checked against
// the version's digest. Tampered bytes never reach DEST, credentials never reach the output.
#include <httplib.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "support/approvals.h"
#include "support/file_servers.h"

using namespace e2e;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// Bytes that differ from file to file and cross the 1 MiB write buffer and the copy block.
std::string pseudo_random_bytes(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  unsigned x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  return s;
}

// An MLflow model folder: MLmodel, an environment file, a pickle and, in a subfolder, weights.
void make_model_dir(const std::string& dir) {
  write_file(dir + "/MLmodel", "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n"
                               "    pickled_model: model.pkl\nrun_id: 6f0a1b2c\n");
  write_file(dir + "/conda.yaml", "name: mlflow-env\ndependencies:\n  - python=3.11\n");
  write_file(dir + "/model.pkl", pseudo_random_bytes(300 * 1000, 1));
  write_file(dir + "/data/weights.bin", pseudo_random_bytes(9 * 1000 * 1000 + 17, 2));
}

const std::uint64_t kModelFiles = 4;

// The model digest as docs/cli.md says to compute it with coreutils.
std::string pipeline_digest(const std::string& dir) {
  const std::string out = sh_ok("cd '" + dir + "' && find -L . -type f ! -path ./registered_model_meta -printf '%P\\n' "
                                "| LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum");
  return "sha256:" + out.substr(0, 64);
}

// The same with b3sum, for a blake3: digest.
std::string b3sum_pipeline_digest(const std::string& dir) {
  const std::string out = sh_ok("cd '" + dir + "' && find -L . -type f ! -path ./registered_model_meta -printf '%P\\n' "
                                "| LC_ALL=C sort | xargs -d '\\n' b3sum | b3sum");
  return "blake3:" + out.substr(0, 64);
}

// The listing an http(s) source serves, as docs/cli.md says to write it.
void write_listing(const std::string& dir, const std::string& tool = "sha256sum", const std::string& name = "SHA256SUMS") {
  sh_ok("cd '" + dir + "' && find -L . -type f ! -path ./" + name + " ! -path ./registered_model_meta -printf '%P\\n' "
        "| LC_ALL=C sort | xargs -d '\\n' " + tool + " > " + name);
}

std::uint64_t folder_bytes(const std::string& dir) {
  std::uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

bool same_files(const std::string& a, const std::string& b) { return run({"diff", "-r", a, b}).status == 0; }

// What a failed download may have left beside DEST: nothing of its own.
std::vector<std::string> leftovers(const std::string& parent) {
  std::vector<std::string> out;
  if (!fs::exists(parent)) return out;
  for (const auto& e : fs::directory_iterator(parent))
    if (e.path().filename().string().find(".mreg-download-") != std::string::npos) out.push_back(e.path());
  return out;
}

void expect_refused_mismatch(const Result& r, const std::string& expected_digest, const std::string& dest) {
  INFO(describe(r));
  CHECK(r.status == 7);
  CHECK_THAT(r.err, Contains("digest mismatch") && Contains(expected_digest));
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(dest));
  CHECK(leftovers(fs::path(dest).parent_path()).empty());
}

}  // namespace

TEST_CASE("download from a local folder and file://: checked bytes, tampering refused, DEST kept safe",
          "[download]") {
  Registry reg;
  TempDir work;
  const std::string model = work / "model", out = work / "out";
  make_model_dir(model);
  const std::string digest = pipeline_digest(model);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--model-dir", model, "--create-model"}), 0);
  REQUIRE_EXIT(reg.mreg({"alias", "set", "m", "champion", "1"}), 0);

  // The alias resolves as `mreg resolve` has it; the files land whole, and the digest holds.
  const auto j = reg.mreg_json({"download", "models:/m@champion", out + "/deploy"});
  CHECK(j == nlohmann::json{{"model", "m"}, {"version", "1"}, {"source", model}, {"digest", digest},
                            {"verified", true}, {"files", kModelFiles}, {"bytes", folder_bytes(model)},
                            {"dest", out + "/deploy"}});
  CHECK(same_files(model, out + "/deploy"));
  CHECK(pipeline_digest(out + "/deploy") == digest);

  // A DEST with files in it is left alone.
  write_file(out + "/deploy/local-note.txt", "mine\n");
  Result r = reg.mreg({"download", "models:/m/1", out + "/deploy"});
  CHECK_EXIT(r, 5);
  CHECK_THAT(r.err, Contains("not empty"));
  CHECK(read_file(out + "/deploy/local-note.txt") == "mine\n");

  // One byte changed at the source: refused, nothing written, with or without --force.
  const std::string weights = read_file(model + "/data/weights.bin");
  std::string tampered = weights;
  tampered[5 * 1000 * 1000] ^= 1;
  write_file(model + "/data/weights.bin", tampered);
  r = reg.mreg({"download", "models:/m/latest", out + "/tampered"});
  expect_refused_mismatch(r, digest, out + "/tampered");
  CHECK_THAT(r.err, Contains("sha256:") && Contains(model));
  r = reg.mreg({"download", "--force", "models:/m/1", out + "/deploy"});
  CHECK_EXIT(r, 7);
  CHECK(read_file(out + "/deploy/local-note.txt") == "mine\n");
  CHECK(leftovers(out).empty());
  write_file(model + "/data/weights.bin", weights);

  // file://, from a stage; --force replaces the old folder once the new files have verified.
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", "file://" + model, "--model-dir", model}), 0);
  REQUIRE_EXIT(reg.mreg({"stage", "m", "2", "Production"}), 0);
  r = reg.mreg({"download", "--force", "models:/m/Production", out + "/deploy"});
  REQUIRE_EXIT(r, 0);
  CHECK_THAT(r.out, Contains("Downloaded m version 2") && Contains(digest + " (verified)"));
  CHECK(r.err.empty());
  CHECK(same_files(model, out + "/deploy"));
  CHECK(leftovers(out).empty());

  // A version without a digest: a warning, or refused with --require-digest.
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", model}), 0);
  r = reg.mreg({"download", "-q", "models:/m/3", out + "/unchecked"});
  REQUIRE_EXIT(r, 0);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Contains("warning") && Contains("no digest"));
  CHECK(same_files(model, out + "/unchecked"));
  r = reg.mreg({"download", "--require-digest", "models:/m/3", out + "/required"});
  CHECK_EXIT(r, 7);
  CHECK_THAT(r.err, Contains("no digest"));
  CHECK_FALSE(fs::exists(out + "/required"));

  // On a terminal (`script` gives mreg one), progress in MB, cleared when done; in a pipe (above) none.
  r = run({"script", "-qec", std::string(MREG_BINARY) + " --repo " + reg.path() + " download models:/m/1 " + out + "/tty",
           "/dev/null"},
          "", {"MREG_PROGRESS_DELAY_MS=0"});
  REQUIRE_EXIT(r, 0);
  CHECK_THAT(r.out, Contains("\rDownloading m v1 (MB): ") && Contains("\r\033[K"));
  CHECK(r.out.find("\r\033[K") < r.out.find("Downloaded m version 1"));

  // Bad input: documented exit codes, nothing written.
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", "runs:/6f0a1b2c/model"}), 0);
  const std::vector<std::pair<std::vector<std::string>, int>> bad{
      {{"download", "models:/nope/1", out + "/x"}, 4},
      {{"download", "models:/m/9", out + "/x"}, 4},
      {{"download", "m/1", out + "/x"}, 3},
      {{"download", "models:/m/4", out + "/x"}, 3},  // runs:/ is not a source mreg fetches
      {{"download", "models:/m/1"}, 2},
  };
  for (const auto& [args, code] : bad) {
    r = reg.mreg(args);
    CHECK_EXIT(r, code);
    CHECK_FALSE(fs::exists(out + "/x"));
  }
  CHECK_THAT(reg.mreg({"download", "models:/m/4", out + "/x"}).err, Contains("runs:"));
}

TEST_CASE("download over http and https: the SHA256SUMS listing, tampering, TLS trust, a password never shown",
          "[download][http]") {
  Registry reg;
  TempDir work;
  const std::string www = work / "www", out = work / "out";
  // m1: the listing written before the digest was taken (so the digest covers it);
  // m2: a copy registered from a folder without it (the listing added afterwards).
  make_model_dir(www + "/m1");
  write_listing(www + "/m1");
  sh_ok("cp -r '" + www + "/m1' '" + www + "/m2' && cp -r '" + www + "/m1' '" + work / "m2-registered" +
        "' && rm '" + work / "m2-registered/SHA256SUMS" + "'");
  StaticHttpServer http(www);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--create-model", "--source", http.url("/m1"), "--model-dir", www + "/m1"}), 0);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", http.url("/m2/"), "--model-dir", work / "m2-registered"}), 0);

  auto j = reg.mreg_json({"download", "models:/m/1", out + "/v1"});
  CHECK(j["verified"] == true);
  CHECK(j["files"] == kModelFiles + 1);
  CHECK(same_files(www + "/m1", out + "/v1"));
  j = reg.mreg_json({"download", "models:/m/2", out + "/v2"});
  CHECK(j["files"] == kModelFiles);
  CHECK(same_files(work / "m2-registered", out + "/v2"));

  // The server's bytes change under an unchanged listing, then with the listing rewritten.
  const std::string weights = www + "/m2/data/weights.bin";
  write_file(weights, pseudo_random_bytes(9 * 1000 * 1000 + 17, 3));
  Result r = reg.mreg({"download", "models:/m/2", out + "/bad"});
  expect_refused_mismatch(r, j["digest"].get<std::string>(), out + "/bad");
  CHECK_THAT(r.err, Contains("data/weights.bin hashes to"));
  write_listing(www + "/m2");
  r = reg.mreg({"download", "models:/m/2", out + "/bad"});
  expect_refused_mismatch(r, j["digest"].get<std::string>(), out + "/bad");
  CHECK_THAT(r.err, Contains("the listing of"));

  // A folder without a listing cannot be read over http.
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", http.url("/nothing-here")}), 0);
  r = reg.mreg({"download", "models:/m/3", out + "/none"});
  CHECK_EXIT(r, 4);
  CHECK_THAT(r.err, Contains("SHA256SUMS"));

  // https: trusted through SSL_CERT_FILE, refused without it.
  make_localhost_certificate(work / "tls");
  StaticHttpServer https(www, work / "tls/cert.pem", work / "tls/key.pem");
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", https.url("/m1"), "--model-dir", www + "/m1"}), 0);
  r = reg.mreg({"download", "models:/m/4", out + "/tls"}, {"SSL_CERT_FILE=" + work / "tls/cert.pem"});
  REQUIRE_EXIT(r, 0);
  CHECK(same_files(www + "/m1", out + "/tls"));
  r = reg.mreg({"download", "models:/m/4", out + "/untrusted"});
  CHECK_EXIT(r, 7);
  CHECK_THAT(r.err, Contains("not trusted"));
  CHECK_FALSE(fs::exists(out + "/untrusted"));

  // A password in the source URL: sent, and never shown, right or wrong.
  StaticHttpServer locked(www, "", "", "reader:right-pass-4417");
  const std::string base = locked.url("/m1");
  const auto with = [&](const std::string& password) {
    return "http://reader:" + password + "@" + base.substr(7);
  };
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", with("wrong-pass-9923"), "--model-dir", www + "/m1"}), 0);
  r = reg.mreg({"download", "models:/m/5", out + "/locked"});
  CHECK_EXIT(r, 7);
  CHECK_THAT(r.err, Contains("401"));
  CHECK_THAT(r.out + r.err, !Contains("wrong-pass-9923"));
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", with("right-pass-4417"), "--model-dir", www + "/m1"}), 0);
  r = reg.mreg({"download", "-o", "json", "models:/m/6", out + "/unlocked"});
  REQUIRE_EXIT(r, 0);
  CHECK_THAT(r.out + r.err, !Contains("right-pass-4417"));
  CHECK(json(r)["source"] == "http://reader:***@" + base.substr(7));
}

TEST_CASE("download over http from a server that sends every file in chunks", "[download][http]") {
  Registry reg;
  TempDir work;
  const std::string www = work / "www", out = work / "out";
  make_model_dir(www + "/m1");
  write_listing(www + "/m1");
  // Transfer-Encoding: chunked, 70,000 bytes a chunk: chunks that straddle the client's reads.
  httplib::Server server;
  server.Get(R"(/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string path = www + "/" + req.matches[1].str();
    if (!fs::is_regular_file(path)) {
      res.status = 404;
      return;
    }
    auto data = std::make_shared<std::string>(read_file(path));
    res.set_chunked_content_provider("application/octet-stream", [data](std::size_t offset, httplib::DataSink& sink) {
      const std::size_t n = std::min<std::size_t>(70000, data->size() - offset);
      if (n > 0) sink.write(data->data() + offset, n);
      if (offset + n == data->size()) sink.done();
      return true;
    });
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread listening([&] { server.listen_after_bind(); });
  struct Stopped {  // also when a REQUIRE ends the test early
    httplib::Server& server;
    std::thread& thread;
    ~Stopped() {
      server.stop();
      thread.join();
    }
  } stopped{server, listening};
  for (int i = 0; i < 2000 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(server.is_running());
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/m1";
  REQUIRE_EXIT(reg.mreg({"register", "m", "--create-model", "--source", url, "--model-dir", www + "/m1"}), 0);

  auto j = reg.mreg_json({"download", "models:/m/1", out + "/v1"});
  CHECK(j["verified"] == true);
  CHECK(j["files"] == kModelFiles + 1);
  CHECK(same_files(www + "/m1", out + "/v1"));

  // Changed bytes (the listing rewritten to match them) are still refused.
  write_file(www + "/m1/data/weights.bin", pseudo_random_bytes(9 * 1000 * 1000 + 17, 4));
  write_listing(www + "/m1");
  const Result r = reg.mreg({"download", "models:/m/1", out + "/bad"});
  expect_refused_mismatch(r, j["digest"].get<std::string>(), out + "/bad");
}

TEST_CASE("download from S3: ListObjectsV2 pages, SigV4 with keys from the environment or a profile, secrets never shown",
          "[download][s3]") {
  std::string why;
  if (!S3Server::available(&why)) {
    // ctest reports this test as skipped on this line (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt).
    std::cout << "mreg-test-skipped: " << why << std::endl;
    return;
  }
  Registry reg;
  TempDir work;
  const std::string model = work / "model", out = work / "out";
  make_model_dir(model);
  S3Server s3(work / "s3", 3);  // three keys a page: four files take two pages
  for (const auto& e : fs::recursive_directory_iterator(model))
    if (e.is_regular_file())
      s3.put("runs/7/artifacts/model/" + e.path().lexically_relative(model).string(), read_file(e.path()));
  s3.put("runs/7/artifacts/model-other/MLmodel", "not this one\n");  // shares the prefix, not the folder
  REQUIRE_EXIT(reg.mreg({"register", "m", "--create-model", "--source", "s3://models/runs/7/artifacts/model",
                         "--model-dir", model}), 0);
  const std::string digest = pipeline_digest(model);

  // Only what each run sets: none of the machine's own AWS settings.
  const auto aws = [](std::vector<std::string> set) {
    std::vector<std::string> env{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                                 "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                                 "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"};
    env.insert(env.end(), set.begin(), set.end());
    return env;
  };
  const auto env = aws({"AWS_ENDPOINT_URL=" + s3.endpoint(), "AWS_ACCESS_KEY_ID=S3RVER", "AWS_SECRET_ACCESS_KEY=S3RVER"});
  const auto j = reg.mreg_json({"download", "models:/m/1", out + "/env"}, env);
  CHECK(j["digest"] == digest);
  CHECK(j["verified"] == true);
  CHECK(j["files"] == kModelFiles);
  CHECK(j["bytes"] == folder_bytes(model));
  CHECK(j["source"] == "s3://models/runs/7/artifacts/model");
  CHECK(same_files(model, out + "/env"));

  // A profile of the shared files, with its endpoint in the config file.
  write_file(work / "aws/credentials", "[default]\naws_access_key_id = NOBODY\naws_secret_access_key = x\n"
                                       "[deploy]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n");
  write_file(work / "aws/config", "[profile deploy]\nregion = us-east-1\ns3 =\n  endpoint_url = " + s3.endpoint() + "\n");
  const auto profile = aws({"AWS_PROFILE=deploy", "AWS_SHARED_CREDENTIALS_FILE=" + work / "aws/credentials",
                            "AWS_CONFIG_FILE=" + work / "aws/config"});
  Result r = reg.mreg({"download", "models:/m/1", out + "/profile"}, profile);
  REQUIRE_EXIT(r, 0);
  CHECK(same_files(model, out + "/profile"));

  // A wrong secret: the server refuses the signature; neither secret nor token is printed.
  r = reg.mreg({"download", "models:/m/1", out + "/denied"},
               aws({"AWS_ENDPOINT_URL=" + s3.endpoint(), "AWS_ACCESS_KEY_ID=S3RVER",
                    "AWS_SECRET_ACCESS_KEY=wrong-secret-5521", "AWS_SESSION_TOKEN=session-token-8830"}));
  CHECK_EXIT(r, 7);
  CHECK_THAT(r.err, Contains("SignatureDoesNotMatch") && Contains("s3://models/runs/7/artifacts/model"));
  CHECK_THAT(r.out + r.err, !Contains("wrong-secret-5521") && !Contains("session-token-8830"));
  CHECK_FALSE(fs::exists(out + "/denied"));

  // An object replaced in the bucket.
  s3.put("runs/7/artifacts/model/model.pkl", pseudo_random_bytes(300 * 1000, 9));
  r = reg.mreg({"download", "models:/m/1", out + "/tampered"}, env);
  expect_refused_mismatch(r, digest, out + "/tampered");
}

TEST_CASE("blake3 digests: registered as b3sum has them, checked on download from a folder, http and S3",
          "[download][blake3]") {
  Registry reg;
  TempDir work;
  const std::string model = work / "model", out = work / "out";
  make_model_dir(model);
  const std::string digest = b3sum_pipeline_digest(model);

  // The option, the environment and the repository's git config choose the hash; a bad name is
  // refused naming where it came from, with nothing registered.
  REQUIRE_EXIT(reg.mreg({"register", "m", "--create-model", "--model-dir", model, "--digest-algorithm", "blake3"}), 0);
  CHECK(reg.mreg_json({"version", "show", "m", "1"})["model_version"]["digest"] == digest);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--model-dir", model}, {"MREG_DIGEST_ALGORITHM=blake3"}), 0);
  CHECK(reg.mreg_json({"version", "show", "m", "2"})["model_version"]["digest"] == digest);
  sh_ok("git -C '" + reg.path() + "' config mreg.digestAlgorithm blake3");
  REQUIRE_EXIT(reg.mreg({"register", "m", "--model-dir", model}), 0);
  CHECK(reg.mreg_json({"version", "show", "m", "3"})["model_version"]["digest"] == digest);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--model-dir", model, "--digest-algorithm", "sha256"}), 0);
  CHECK(reg.mreg_json({"version", "show", "m", "4"})["model_version"]["digest"] == pipeline_digest(model));
  Result r = reg.mreg({"register", "m", "--model-dir", model}, {"MREG_DIGEST_ALGORITHM=md5"});
  CHECK_EXIT(r, 3);
  CHECK_THAT(r.err, Contains("MREG_DIGEST_ALGORITHM") && Contains("md5"));
  CHECK_EXIT(reg.mreg({"register", "m", "--model-dir", model, "--digest-algorithm", "md5"}), 2);
  CHECK_EXIT(reg.mreg({"version", "show", "m", "5"}), 4);

  // A folder: the bytes land whole and the digest holds; one changed byte is refused.
  auto j = reg.mreg_json({"download", "models:/m/1", out + "/v1"});
  CHECK(j["digest"] == digest);
  CHECK(j["verified"] == true);
  CHECK(same_files(model, out + "/v1"));
  const std::string weights = read_file(model + "/data/weights.bin");
  std::string tampered = weights;
  tampered[3 * 1000 * 1000] ^= 1;
  write_file(model + "/data/weights.bin", tampered);
  r = reg.mreg({"download", "models:/m/1", out + "/tampered"});
  expect_refused_mismatch(r, digest, out + "/tampered");
  CHECK_THAT(r.err, Contains("blake3:"));
  write_file(model + "/data/weights.bin", weights);

  // http: the folder's listing is B3SUMS, in b3sum's lines; a SHA256SUMS alone does not do.
  const std::string www = work / "www";
  sh_ok("mkdir -p '" + www + "' && cp -r '" + model + "' '" + www + "/b3' && cp -r '" + model + "' '" + www + "/sha'");
  write_listing(www + "/b3", "b3sum", "B3SUMS");
  write_listing(www + "/sha");
  StaticHttpServer http(www);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", http.url("/b3"), "--model-dir", model}), 0);
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", http.url("/sha"), "--model-dir", model}), 0);
  j = reg.mreg_json({"download", "models:/m/5", out + "/http"});
  CHECK(j["digest"] == digest);
  CHECK(j["files"] == kModelFiles);
  CHECK(same_files(model, out + "/http"));
  r = reg.mreg({"download", "models:/m/6", out + "/no-b3sums"});
  CHECK_EXIT(r, 4);
  CHECK_THAT(r.err, Contains("B3SUMS") && Contains("b3sum"));
  CHECK_FALSE(fs::exists(out + "/no-b3sums"));
  // A listing whose lines do not add up to the digest is refused before any file is fetched.
  write_file(www + "/b3/conda.yaml", "name: other\n");
  write_listing(www + "/b3", "b3sum", "B3SUMS");
  r = reg.mreg({"download", "models:/m/5", out + "/bad-listing"});
  expect_refused_mismatch(r, digest, out + "/bad-listing");
  CHECK_THAT(r.err, Contains("the listing of"));

  // S3: each object hashed as it arrives.
  std::string why;
  if (!S3Server::available(&why)) {
    std::cout << "mreg-test-skipped: " << why << std::endl;
    return;
  }
  S3Server s3(work / "s3", 1000);
  for (const auto& e : fs::recursive_directory_iterator(model))
    if (e.is_regular_file()) s3.put("b3/" + e.path().lexically_relative(model).string(), read_file(e.path()));
  REQUIRE_EXIT(reg.mreg({"register", "m", "--source", "s3://models/b3", "--model-dir", model}), 0);
  const std::vector<std::string> env{"AWS_ENDPOINT_URL=" + s3.endpoint(), "AWS_ACCESS_KEY_ID=S3RVER",
                                     "AWS_SECRET_ACCESS_KEY=S3RVER", "AWS_PROFILE", "AWS_SESSION_TOKEN",
                                     "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"};
  j = reg.mreg_json({"download", "models:/m/7", out + "/s3"}, env);
  CHECK(j["digest"] == digest);
  CHECK(same_files(model, out + "/s3"));
  s3.put("b3/model.pkl", pseudo_random_bytes(300 * 1000, 9));
  r = reg.mreg({"download", "models:/m/7", out + "/s3-tampered"}, env);
  expect_refused_mismatch(r, digest, out + "/s3-tampered");
}

TEST_CASE("a registry's mreg.yaml chooses the digest of its registrations", "[download][blake3]") {
  TempDir work;
  const std::string model = work / "model", repo = work / "reg";
  make_model_dir(model);
  REQUIRE_EXIT(mreg({"init", repo, "--digest-algorithm", "blake3"}), 0);
  CHECK_THAT(read_file(repo + "/mreg.yaml"), Contains("digest_algorithm: blake3\n"));
  const auto digest_of = [&](const std::string& version) {
    const Result r = mreg({"--repo", repo, "-o", "json", "version", "show", "m", version});
    REQUIRE_EXIT(r, 0);
    return json(r)["model_version"]["digest"].get<std::string>();
  };
  REQUIRE_EXIT(mreg({"--repo", repo, "register", "m", "--create-model", "--model-dir", model}), 0);
  CHECK(digest_of("1") == b3sum_pipeline_digest(model));
  // A clone's git config, the environment and the option come first, in that order upwards.
  sh_ok("git -C '" + repo + "' config mreg.digestAlgorithm sha256");
  REQUIRE_EXIT(mreg({"--repo", repo, "register", "m", "--model-dir", model}), 0);
  CHECK(digest_of("2") == pipeline_digest(model));
  REQUIRE_EXIT(mreg({"--repo", repo, "register", "m", "--model-dir", model}, "", {"MREG_DIGEST_ALGORITHM=blake3"}), 0);
  CHECK(digest_of("3") == b3sum_pipeline_digest(model));
  sh_ok("git -C '" + repo + "' config --unset mreg.digestAlgorithm");
  REQUIRE_EXIT(mreg({"--repo", repo, "register", "m", "--model-dir", model, "--digest-algorithm", "sha256"}), 0);
  CHECK(digest_of("4") == pipeline_digest(model));
  CHECK_EXIT(mreg({"--repo", repo, "check"}), 0);

  // A name mreg does not know, committed by hand: refused naming the file and the field, and
  // nothing is registered.
  write_file(repo + "/mreg.yaml", replace_line(read_file(repo + "/mreg.yaml"), "digest_algorithm:", "digest_algorithm: md5"));
  sh_ok("git -C '" + repo + "' commit -qam 'md5 digests'");
  const std::string head = sh_ok("git -C '" + repo + "' rev-parse HEAD");
  Result r = mreg({"--repo", repo, "register", "m", "--model-dir", model});
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Contains("mreg.yaml") && Contains("digest_algorithm"));
  CHECK(sh_ok("git -C '" + repo + "' rev-parse HEAD") == head);
  CHECK_EXIT(mreg({"init", work / "other", "--digest-algorithm", "md5"}), 2);
  CHECK_FALSE(fs::exists(work / "other/mreg.yaml"));
}

TEST_CASE("download --verified applies the deploy gate before fetching anything", "[download][deploy-gate]") {
  ApprovalFixture fx;
  TempDir work;
  // v2 put into Production by a hand commit that no request approves.
  const std::string path = "models/m/versions/2.yaml";
  fx.commit_files({{path, replace_line(fx.reg.show(path), "stage: ", "stage: Production")}}, "promote by hand",
                  as("mallory"));
  Result r = fx.mreg_as("carol", {"download", "--verified", "--branch", "main", "models:/m/Production", work / "d"});
  CHECK_EXIT(r, 7);
  CHECK_THAT(r.err, Contains("E_STAGE_NOT_JUSTIFIED"));
  CHECK_FALSE(fs::exists(work / "d"));
  CHECK_EXIT(fx.mreg_as("carol", {"download", "--branch", "main", "models:/m/2", work / "d"}), 3);
}
