// The read caches never change an answer: on random registries, listings and
// version searches with a warm, missing, torn or garbage cache equal those
// without it.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "mreg/mlflow_json.h"
#include "mreg/registry.h"
#include "mreg/search.h"
#include "record_file.h"
#include "summary_cache.h"

using namespace mreg;
namespace fs = std::filesystem;

namespace {

struct TempRepo {
  fs::path dir;
  std::string path() const { return (dir / "reg.git").string(); }
  // A new bare registry at path().
  Registry init() const {
    InitOptions init;
    init.bare = true;
    init.registry_id = "unit/cache";
    return Registry::init(path(), init, WriteOptions{});
  }
  TempRepo() {
    char tmpl[] = "/tmp/mreg-unit-XXXXXX";
    dir = mkdtemp(tmpl);
    setenv("GIT_AUTHOR_NAME", "Unit Test", 1);
    setenv("GIT_AUTHOR_EMAIL", "unit@example.com", 1);
    setenv("GIT_COMMITTER_NAME", "Unit Test", 1);
    setenv("GIT_COMMITTER_EMAIL", "unit@example.com", 1);
  }
  ~TempRepo() { fs::remove_all(dir); }
};

std::string listing(const Registry& r) {
  OrderedJson arr = OrderedJson::array();
  for (const auto& s : r.at().list_registered_models()) arr.push_back(to_mlflow_json(s));
  return arr.dump();
}

// The same, one model at a time as `mreg model list` takes them.
std::string streamed_listing(const Registry& r) {
  OrderedJson arr = OrderedJson::array();
  r.at().for_each_registered_model([&](const ModelSummary& s) { arr.push_back(to_mlflow_json(s)); });
  return arr.dump();
}

// Every version of every model, read model by model (many reads: the blob cache
// serves them), and a version search over all of them.
std::string versions_listing(const Registry& r) {
  const Snapshot s = r.at();
  OrderedJson arr = OrderedJson::array();
  for (const auto& name : s.model_names())
    for (const auto& v : s.get_model_versions(name)) arr.push_back(to_mlflow_json(v));
  for (const auto& v : search_model_versions(s, "version_number > 1", {"name ASC"}, kVersionSearchMaxResults).model_versions)
    arr.push_back(to_mlflow_json(v));
  return arr.dump();
}

// Damages a cache file the ways a crash or a stray write would.
void tear(const fs::path& file) {
  std::ofstream f(file, std::ios::app | std::ios::binary);
  f << "\x40\x00\x00\x00partial";
}
void garble(const fs::path& file) {
  std::ofstream f(file, std::ios::trunc | std::ios::binary);
  f << "not a cache at all";
}
void flip_middle_byte(const fs::path& file) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
  f.put('\x7f');
}

}  // namespace

TEST_CASE("cached and uncached listings agree on random registries", "[cache]") {
  TempRepo tmp;
  Registry r = tmp.init();
  const fs::path cache = tmp.dir / "reg.git" / "mreg" / "cache-v1.bin";
  const fs::path blobs = tmp.dir / "reg.git" / "mreg" / "blobs-v1.bin";
  std::mt19937 rng(7);
  std::vector<std::string> models;
  WriteOptions opts;
  opts.create_tags = false;

  for (int step = 0; step < 120; ++step) {
    const int op = std::uniform_int_distribution<int>(0, 9)(rng);
    if (models.empty() || op <= 1) {
      std::string name = "m" + std::to_string(step);
      r.create_registered_model(name, "model " + std::to_string(step), {{"team", "t" + std::to_string(op)}}, opts);
      models.push_back(name);
    } else {
      const std::string& name = models[std::uniform_int_distribution<size_t>(0, models.size() - 1)(rng)];
      NewVersion nv;
      nv.source = "s3://b/" + std::to_string(step);
      if (op <= 6) {
        r.create_model_version(name, nv, opts);
      } else {
        auto versions = r.at().get_model_versions(name);
        if (versions.empty()) continue;
        auto v = versions[std::uniform_int_distribution<size_t>(0, versions.size() - 1)(rng)].version;
        if (op == 7) r.delete_model_version(name, v, opts);
        else r.set_model_version_tag(name, v, "k", std::to_string(step), opts);
      }
    }
    if (step % 20 != 19) continue;

    fs::remove(cache);
    fs::remove(blobs);
    const std::string uncached_versions = versions_listing(r);  // parses every file; fills the blob cache
    const std::string uncached = listing(r);   // fills the summary cache
    REQUIRE(fs::exists(cache));
    CHECK(listing(r) == uncached);            // served from it
    CHECK(streamed_listing(r) == uncached);
    if (models.size() >= 16) REQUIRE(fs::exists(blobs));
    CHECK(versions_listing(r) == uncached_versions);

    // A listing with an empty summary cache reads every folder through the blob cache.
    fs::remove(cache);
    CHECK(streamed_listing(r) == uncached);
    CHECK(listing(r) == uncached);

    for (const auto& file : {cache, blobs}) {
      if (!fs::exists(file)) continue;
      tear(file);  // a torn record at the end, as a writer killed mid-append leaves it
      CHECK(listing(r) == uncached);
      CHECK(versions_listing(r) == uncached_versions);
      garble(file);  // garbage over the whole file
      CHECK(streamed_listing(r) == uncached);
      CHECK(listing(r) == uncached);
      CHECK(versions_listing(r) == uncached_versions);
      CHECK(listing(r) == uncached);
      CHECK(versions_listing(r) == uncached_versions);
      flip_middle_byte(file);  // a flipped byte inside a record
      CHECK(listing(r) == uncached);
      CHECK(versions_listing(r) == uncached_versions);
    }
  }
}

TEST_CASE("readers filling the caches at the same time get the same answers", "[cache]") {
  TempRepo tmp;
  const std::string path = tmp.path();
  Registry r = tmp.init();
  WriteOptions opts;
  opts.create_tags = false;
  for (int m = 0; m < 40; ++m) {
    const std::string name = "m" + std::to_string(m);
    r.create_registered_model(name, "", {}, opts);
    for (int v = 0; v < 3; ++v) {
      NewVersion nv;
      nv.source = "s3://b/" + name + "/" + std::to_string(v);
      r.create_model_version(name, nv, opts);
    }
  }
  const std::string versions = versions_listing(r), models = listing(r);
  fs::remove_all(tmp.dir / "reg.git" / "mreg");

  std::vector<std::string> got(4 * 6);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Registry mine = Registry::open(path);  // as another process would
      for (int i = 0; i < 3; ++i) {
        got[t * 6 + 2 * i] = versions_listing(mine);
        got[t * 6 + 2 * i + 1] = listing(mine);
      }
    });
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == (i % 2 ? models : versions));
  CHECK(versions_listing(r) == versions);
  CHECK(listing(r) == models);
}

// A reader that loaded the file keeps answering after another process cut the file
// short or started it again: a record that no longer reads back is missing, never wrong.
TEST_CASE("a record file changed under a loaded reader answers nothing wrong", "[cache]") {
  TempRepo tmp;
  const std::string path = (tmp.dir / "records.bin").string();
  const std::string magic = "unit records v1\n";
  auto key = [](int i) { return std::string(8, static_cast<char>('a' + i)); };
  auto payload = [](int i, const std::string& round) { return round + " payload of record " + std::to_string(i); };
  {
    RecordFile writer(path, magic, 8, RecordFile::Load::Index);
    for (int i = 0; i < 6; ++i) writer.add(key(i), payload(i, "first"));
    writer.flush();
  }
  for (auto load : {RecordFile::Load::Index, RecordFile::Load::Whole}) {
    RecordFile reader(path, magic, 8, load);
    std::string got;
    for (int i = 0; i < 6; ++i) {
      REQUIRE(reader.find(key(i), got));
      CHECK(got == payload(i, "first"));
    }
    CHECK_FALSE(reader.find(key(7), got));
    CHECK_FALSE(reader.contains(key(7)));
    CHECK(reader.contains(key(2)));
  }

  RecordFile reader(path, magic, 8, RecordFile::Load::Index);
  // Cut short in the middle of record 3: records 0-2 still read back, 3-5 no longer do.
  fs::resize_file(path, fs::file_size(path) / 2);
  std::string got;
  int intact = 0;
  for (int i = 0; i < 6; ++i) {
    if (!reader.find(key(i), got)) continue;
    CHECK(got == payload(i, "first"));
    ++intact;
  }
  CHECK(intact >= 2);
  CHECK(intact < 6);
  // Started again by a writer of another format, then filled with other records: the old
  // places hold other keys now.
  garble(path);
  {
    RecordFile writer(path, magic, 8, RecordFile::Load::Index);
    for (int i = 5; i >= 0; --i) writer.add(key(i), payload(i, "second round, longer"));
    writer.flush();
  }
  for (int i = 0; i < 6; ++i)
    if (reader.find(key(i), got)) CHECK(got == payload(i, "first"));
  RecordFile fresh(path, magic, 8, RecordFile::Load::Index);
  for (int i = 0; i < 6; ++i) {
    REQUIRE(fresh.find(key(i), got));
    CHECK(got == payload(i, "second round, longer"));
  }
}

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Adds `count` copies of model `like` (named like-0, like-1, ...) in one commit made with
// git fast-import: a registry larger than a listing's parse chunk, made in a moment.
void add_copies(const std::string& git_dir, const Registry& r, const std::string& like, int count) {
  const Snapshot s = r.at();
  const std::string model = *s.read_file("models/" + like + "/model.yaml");
  const std::string version = *s.read_file("models/" + like + "/versions/1.yaml");
  std::string stream = "commit refs/heads/main\ncommitter Unit Test <unit@example.com> 1767600000 +0000\n"
                       "data 10\nadd copies\nfrom " + s.commit_id() + "\n";
  auto file = [&](const std::string& path, const std::string& text) {
    stream += "M 100644 inline " + path + "\ndata " + std::to_string(text.size()) + "\n" + text + "\n";
  };
  for (int i = 0; i < count; ++i) {
    const std::string name = like + "-" + std::to_string(i);
    file("models/" + name + "/model.yaml", replace_all(model, "name: " + like, "name: " + name));
    file("models/" + name + "/versions/1.yaml", replace_all(version, "name: " + like, "name: " + name));
  }
  FILE* p = popen(("git --git-dir='" + git_dir + "' fast-import --quiet").c_str(), "w");
  REQUIRE(p);
  REQUIRE(fwrite(stream.data(), 1, stream.size(), p) == stream.size());
  REQUIRE(pclose(p) == 0);
}

}  // namespace

TEST_CASE("a first listing of more models than a parse chunk agrees with later ones, cache or none", "[cache]") {
  TempRepo tmp;
  const std::string git_dir = tmp.path();
  Registry r = tmp.init();
  WriteOptions opts;
  opts.create_tags = false;
  r.create_registered_model("base", "copied", {{"team", "t"}}, opts);
  NewVersion nv;
  nv.source = "s3://b/base";
  r.create_model_version("base", nv, opts);
  add_copies(git_dir, r, "base", 9000);  // more than two chunks of 4,096
  r = Registry::open(git_dir);
  const fs::path caches = fs::path(git_dir) / "mreg";

  const std::string first = streamed_listing(r);  // parses every folder, chunk by chunk
  CHECK(OrderedJson::parse(first).size() == 9001);
  CHECK(fs::file_size(caches / "cache-v1.bin") > 9001 * 100);
  CHECK(streamed_listing(r) == first);  // from the cache
  CHECK(listing(r) == first);

  // Where the cache cannot be written (its folder's place is taken), every summary is held.
  fs::remove_all(caches);
  { std::ofstream(caches.string()) << "not a folder"; }
  CHECK(streamed_listing(r) == first);
  CHECK(listing(r) == first);
  fs::remove(caches);
  CHECK(listing(r) == first);
}

TEST_CASE("a folder's record bytes read back as the same folder, every field", "[cache]") {
  ModelFolder f;
  RegisteredModel& m = f.model;
  m.name = "fraud-b";
  m.description = "Scores *card* payments.\nSecond line: ünïcode";
  m.created_at = 1764000000123;
  m.created_by = "Alice <alice@example.com>";
  m.updated_at = 1764000999456;
  m.last_version = 12;
  m.aliases = {{"champion", 2}, {"challenger", 12}};
  m.alias_requests = {{"champion", "20261124T100211Z-7f3a"}};
  m.tags = {{"team", "risk"}, {"empty", ""}};
  m.extensions = {{"x-owner", Json{{"k", 1}}}};
  for (std::int64_t n : {2, 12}) {
    ModelVersion v;
    v.name = m.name;
    v.version = n;
    v.stage = n == 2 ? "Production" : "None";
    v.stage_request = n == 2 ? "20261124T100211Z-7f3a" : "";
    v.description = "v" + std::to_string(n);
    v.source = "s3://bucket/fraud-b/" + std::to_string(n);
    v.run_id = "run" + std::to_string(n);
    v.run_link = "https://mlflow.example.org/r/" + std::to_string(n);
    v.experiment_id = "7";
    v.model_id = "m-0123456789abcdef";
    v.storage_location = "s3://bucket/store/" + std::to_string(n);
    v.digest = "sha256:" + std::string(64, 'a');
    v.flavors = {"python_function", "sklearn"};
    v.signature = Json{{"inputs", "[{\"name\": \"amount\", \"type\": \"double\"}]"}, {"outputs", nullptr}};
    v.copied_from = {"other-registry", "fraud-a", 3, std::string(40, 'c')};
    v.status = "READY";
    v.status_message = "ok " + std::to_string(n);
    v.created_at = 1764000000000 + n;
    v.created_by = "CI <ci@example.com>";
    v.updated_at = 1764000000500 + n;
    v.tags = {{"val_mae", "363.7"}, {"dataset", "grid"}};
    v.extensions = {{"x-a", Json::array({1, "two"})}, {"x-b", Json()}};
    v.aliases = n == 2 ? std::vector<std::string>{"champion"} : std::vector<std::string>{"challenger"};
    f.versions.push_back(v);
  }
  const std::string bytes = encode_folder(f);
  const auto back = decode_folder(bytes.data(), bytes.size());
  REQUIRE(back);
  const RegisteredModel& b = back->model;
  CHECK(b.name == m.name);
  CHECK(b.description == m.description);
  CHECK(b.created_at == m.created_at);
  CHECK(b.created_by == m.created_by);
  CHECK(b.updated_at == m.updated_at);
  CHECK(b.last_version == m.last_version);
  CHECK(b.aliases == m.aliases);
  CHECK(b.alias_requests == m.alias_requests);
  CHECK(b.tags == m.tags);
  CHECK(b.extensions == m.extensions);
  REQUIRE(back->versions.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const ModelVersion& v = f.versions[i];
    const ModelVersion& w = back->versions[i];
    CHECK(w.name == v.name);
    CHECK(w.version == v.version);
    CHECK(w.stage == v.stage);
    CHECK(w.stage_request == v.stage_request);
    CHECK(w.description == v.description);
    CHECK(w.source == v.source);
    CHECK(w.run_id == v.run_id);
    CHECK(w.run_link == v.run_link);
    CHECK(w.experiment_id == v.experiment_id);
    CHECK(w.model_id == v.model_id);
    CHECK(w.storage_location == v.storage_location);
    CHECK(w.digest == v.digest);
    CHECK(w.flavors == v.flavors);
    CHECK(w.signature == v.signature);
    CHECK(w.copied_from.registry == v.copied_from.registry);
    CHECK(w.copied_from.model == v.copied_from.model);
    CHECK(w.copied_from.version == v.copied_from.version);
    CHECK(w.copied_from.commit == v.copied_from.commit);
    CHECK(w.status == v.status);
    CHECK(w.status_message == v.status_message);
    CHECK(w.created_at == v.created_at);
    CHECK(w.created_by == v.created_by);
    CHECK(w.updated_at == v.updated_at);
    CHECK(w.tags == v.tags);
    CHECK(w.extensions == v.extensions);
    CHECK(w.aliases == v.aliases);
  }
  // Anything shorter, or longer, is not a record.
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) CHECK_FALSE(decode_folder(bytes.data(), cut));
  const std::string longer = bytes + "x";
  CHECK_FALSE(decode_folder(longer.data(), longer.size()));
}
