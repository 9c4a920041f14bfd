// The history index never changes an answer: on random registries, mreg log,
// stage-history, events and REV@{DATE} give the same with the index as read
// from git (mreg.historyIndex = false), after new commits, merges made with
// plain git, a rewritten branch and a damaged index file.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <cstdio>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <random>

#include "git.h"
#include "mreg/history.h"
#include "mreg/registry.h"
#include "mreg/timefmt.h"
#include "support/unit_temp_dir.h"

using namespace mreg;
namespace fs = std::filesystem;

namespace {

using unit::TempDir;

constexpr Timestamp kStart = 1795478400;  // 2026-11-24T00:00:00Z

// A bare registry whose writes are a minute apart.
struct TimedRegistry {
  TempDir tmp;
  std::string path = (tmp.dir / "reg.git").string();
  Timestamp now = kStart;
  WriteOptions opts() {
    WriteOptions o;
    o.author = Identity{"Unit Test", "unit@example.com", now += 60, 0};
    return o;
  }
  Registry init(const std::string& id) {
    setenv("GIT_COMMITTER_NAME", "Unit Test", 1);
    setenv("GIT_COMMITTER_EMAIL", "unit@example.com", 1);
    InitOptions init;
    init.bare = true;
    init.registry_id = id;
    return Registry::init(path, init, opts());
  }
};

std::string dump_events(const std::vector<Event>& events) {
  OrderedJson arr = OrderedJson::array();
  for (const auto& e : events) arr.push_back(to_json(e));
  return arr.dump();
}

// Request outcomes as the commits say them, found the plain way: every commit reachable
// from HEAD read from git, newest first, and the first that acts on a request decides it.
std::string reference_request_states(const Registry& r, const std::string& path) {
  std::map<std::string, OrderedJson> by_id;
  for (const auto& name : r.at().model_names())
    for (const auto& req : r.at().get_requests(name)) by_id[req.id] = {{"id", req.id}, {"outcome", "open"}};
  auto repo = git::Repository::open(path);
  for (const auto& oid : repo.walk(*repo.resolve_commit("HEAD"))) {
    const git::CommitInfo c = repo.read_commit(oid);
    std::string id, op;
    for (const auto& [k, v] : git::parse_trailers(c.message)) {
      if (k == "Mreg-Request") id = v;
      if (k == "Mreg-Op") op = v;
    }
    auto it = by_id.find(id);
    if (it == by_id.end() || it->second["outcome"] != "open" || op == "request" || op == "approve") continue;
    it->second["outcome"] = op == "reject" ? "rejected" : op == "cancel" ? "cancelled" : "applied";
    it->second["closed_by"] = c.author.name + " <" + c.author.email + ">";
    it->second["closed_commit"] = oid.hex();
  }
  OrderedJson arr = OrderedJson::array();
  for (auto& [id, st] : by_id) arr.push_back(st);
  return arr.dump();
}

std::string dump_request_states(const std::vector<RequestState>& states, bool with_comment) {
  OrderedJson arr = OrderedJson::array();
  for (const auto& st : states) {
    OrderedJson j = {{"id", st.request.id}, {"outcome", st.outcome}};
    if (!st.closed_by.empty()) j["closed_by"] = st.closed_by;
    if (!st.closed_commit.empty()) j["closed_commit"] = st.closed_commit;
    if (with_comment) j["closed_comment"] = st.closed_comment;
    arr.push_back(j);
  }
  return arr.dump();
}

// Everything the history queries answer about the registry, as one text.
std::string answers(const Registry& r, const std::vector<std::string>& models, Timestamp end) {
  std::string out;
  out += dump_events(read_log(r, "", LogQuery{})) + "\n";
  LogQuery limited;
  limited.limit = 7;
  limited.since = kStart + 600;
  out += dump_events(read_log(r, "", limited)) + "\n";
  out += dump_request_states(request_states(r, "", ""), true) + "\n";
  for (const auto& m : models) {
    LogQuery q;
    q.model = m;
    out += m + " " + dump_events(read_log(r, "", q)) + "\n";
    out += dump_request_states(request_states(r, "", m), true) + "\n";
    q.stage = "production";
    out += dump_events(read_log(r, "HEAD~2", q)) + "\n";
    OrderedJson intervals = OrderedJson::array();
    for (const auto& i : stage_history(r, "", m, "")) intervals.push_back(to_json(i));
    out += intervals.dump() + "\n";
  }
  const std::string root = read_log(r, "", LogQuery{}).back().commit;
  out += dump_events(events_in_range(r, root + "..HEAD")) + "\n";
  out += dump_events(events_in_range(r, "HEAD~3..HEAD")) + "\n";
  for (Timestamp t = kStart - 60; t <= end + 60; t += 97) {
    const std::string rev = "HEAD@{" + format_rfc3339(t) + "}";
    try {
      out += rev + " " + r.at(rev).commit_id() + "\n";
    } catch (const Error& e) {
      out += rev + " " + e.what() + "\n";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("indexed and unindexed history answers agree", "[history]") {
  TimedRegistry reg;
  TempDir& tmp = reg.tmp;
  const std::string& path = reg.path;
  Timestamp& now = reg.now;
  auto opts = [&] { return reg.opts(); };
  Registry r = reg.init("unit/history");
  const fs::path index = tmp.dir / "reg.git" / "mreg" / "history-v1.bin";
  std::mt19937 rng(11);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  std::vector<std::string> models;
  const std::vector<std::string> stages{"None", "Staging", "Production", "Archived"};

  auto random_writes = [&](int count) {
    for (int step = 0; step < count; ++step) {
      const int op = pick(10);
      if (models.empty() || op == 0) {
        std::string name = "m" + std::to_string(models.size());
        r.create_registered_model(name, "", {}, opts());
        models.push_back(name);
        continue;
      }
      const std::string name = models[static_cast<size_t>(pick(static_cast<int>(models.size())))];
      auto versions = r.at().get_model_versions(name);
      if (versions.empty() || op <= 3) {
        NewVersion nv;
        nv.source = "s3://b/" + std::to_string(step);
        r.create_model_version(name, nv, opts());
        continue;
      }
      const std::int64_t v = versions[static_cast<size_t>(pick(static_cast<int>(versions.size())))].version;
      if (op <= 6) {
        try {
          r.transition_stage(name, v, stages[static_cast<size_t>(pick(4))], op == 6, "why " + std::to_string(step), opts());
        } catch (const Error&) {
        }
      } else if (op == 7 && pick(4) != 0) {
        // A request, and now and then its outcome: rejected, cancelled or applied (with a
        // comment, as the outcome's commit body), or left open. Or a rename.
        const int what = pick(6);
        if (what == 5) {  // refused when the model has requests
          const std::string renamed = name + "r";
          try {
            r.rename_registered_model(name, renamed, opts());
            *std::find(models.begin(), models.end(), name) = renamed;
          } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::RESOURCE_CONFLICT);
            CHECK_FALSE(r.at().get_requests(name).empty());
          }
          continue;
        }
        const bool to_stage = pick(2) == 1;
        try {
          const auto req = r.create_transition_request(name, v, to_stage ? "Production" : "", to_stage ? "" : "champion",
                                                       false, "please " + std::to_string(step), opts());
          if (what == 1 || what == 2)
            r.close_request(name, req.id, what == 1 ? "reject" : "cancel", "no " + std::to_string(step), nullptr, opts());
          else if (what == 3)
            r.apply_request(name, req.id, "done " + std::to_string(step), opts());
        } catch (const Error&) {
        }
      } else if (op == 7) {
        r.set_alias(name, "champion", v, opts());
      } else if (op == 8) {
        r.set_model_version_tag(name, v, "k", std::to_string(step), opts());
      } else if (versions.size() > 2) {
        r.delete_model_version(name, v, opts());
      }
    }
  };
  auto check = [&] {
    r.set_config_value("mreg.historyIndex", "false");
    const std::string unindexed = answers(r, models, now);
    r.set_config_value("mreg.historyIndex", "true");
    CHECK(answers(r, models, now) == unindexed);  // builds or extends the index
    REQUIRE(fs::exists(index));
    CHECK(answers(r, models, now) == unindexed);  // from the index
    return unindexed;
  };

  random_writes(60);
  check();
  // One request of each outcome, closed after other models' commits.
  {
    const std::string& name = models.front();
    const std::int64_t v = r.at().get_model_versions(name).back().version;
    for (const char* outcome : {"reject", "cancel", "apply", "open"}) {
      const auto req = r.create_transition_request(name, v, "", "champion", false, "please", opts());
      random_writes(3);
      if (outcome == std::string("apply")) r.apply_request(name, req.id, "done", opts());
      else if (outcome != std::string("open")) r.close_request(name, req.id, outcome, "no", nullptr, opts());
    }
  }
  random_writes(30);  // new commits on top of an indexed history
  check();
  // tags sync makes again the tags the writes made (the same names, commits and messages),
  // from the index as from git.
  {
    auto tags_now = [&] {
      FILE* p = popen(("git --git-dir='" + path + "' for-each-ref --format='%(refname) %(*objectname)%0a%(contents)' refs/tags")
                          .c_str(), "r");
      REQUIRE(p);
      std::string out;
      char buf[4096];
      for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
      REQUIRE(pclose(p) == 0);
      return out;
    };
    const std::string made_by_writes = tags_now();
    REQUIRE(made_by_writes.find("refs/tags/") != std::string::npos);
    for (const char* indexed : {"false", "true"}) {
      for (const auto& name : git::Repository::open(path).tag_names("*"))
        REQUIRE(std::system(("git --git-dir='" + path + "' tag -d '" + name + "' >/dev/null").c_str()) == 0);
      r.set_config_value("mreg.historyIndex", indexed);
      INFO("mreg.historyIndex = " << indexed);
      CHECK_FALSE(r.sync_tags().empty());
      CHECK(tags_now() == made_by_writes);
    }
  }
  // The outcomes agree with reading every commit.
  CHECK(dump_request_states(request_states(r, "", ""), false) == reference_request_states(r, path));
  CHECK(reference_request_states(r, path).find("\"applied\"") != std::string::npos);
  CHECK(reference_request_states(r, path).find("\"rejected\"") != std::string::npos);
  CHECK(reference_request_states(r, path).find("\"open\"") != std::string::npos);

  auto repo = git::Repository::open(path);
  const git::Signature sig{"Hand Edit", "hand@example.com", now += 60, 0};
  SECTION("merges and hand edits made with plain git") {
    const git::Oid tip = *repo.resolve_commit("HEAD");
    const git::Oid base = *repo.resolve_commit("HEAD~5");
    // A side branch from an older commit that edits a model by hand, merged back.
    const std::string file = "models/" + models.front() + "/model.yaml";
    auto text = *r.at("HEAD~5").read_file(file);
    text += "x-note: edited by hand\n";
    const git::Oid side_tree = repo.update_tree(repo.read_commit(base).tree, {{file, repo.write_blob(text)}});
    const git::Oid side = repo.write_commit(side_tree, {base}, sig, sig, "edit by hand\n");
    const git::Oid merged = repo.write_commit(repo.read_commit(tip).tree, {tip, side}, sig, sig, "merge side\n");
    REQUIRE(repo.update_ref("refs/heads/main", merged, tip, "merge") == git::Repository::RefUpdate::Updated);
    check();
    random_writes(10);
    check();
  }
  SECTION("a rewritten branch") {
    const git::Oid tip = *repo.resolve_commit("HEAD");
    const git::Oid older = *repo.resolve_commit("HEAD~8");
    REQUIRE(repo.update_ref("refs/heads/main", older, tip, "reset") == git::Repository::RefUpdate::Updated);
    models.clear();
    for (const auto& n : r.at().model_names()) models.push_back(n);
    random_writes(15);
    check();
  }
  SECTION("a damaged index file") {
    const std::string good = check();
    {  // a torn record at the end
      std::ofstream f(index, std::ios::app | std::ios::binary);
      f << "\x40\x00\x00\x00partial";
    }
    CHECK(answers(r, models, now) == good);
    {  // a flipped byte in the middle: what follows is read again
      std::fstream f(index, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(index) / 2));
      f.put('\x7f');
    }
    CHECK(answers(r, models, now) == good);
    CHECK(answers(r, models, now) == good);
    {  // garbage over the whole file
      std::ofstream f(index, std::ios::trunc | std::ios::binary);
      f << "not an index";
    }
    CHECK(answers(r, models, now) == good);
    random_writes(10);
    check();
  }
}

TEST_CASE("events of a range agree with the log, read from git and from the tip chain", "[history]") {
  TimedRegistry reg;
  Registry r = reg.init("unit/tip");
  auto repo = git::Repository::open(reg.path);
  std::mt19937 rng(5);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  for (int m = 0; m < 3; ++m) r.create_registered_model("m" + std::to_string(m), "", {}, reg.opts());
  for (int step = 0; step < 40; ++step) {
    const std::string name = "m" + std::to_string(pick(3));
    const int op = pick(5);
    auto versions = r.at().get_model_versions(name);
    if (versions.empty() || op == 0) {
      NewVersion nv;
      nv.source = "s3://b/" + std::to_string(step);
      r.create_model_version(name, nv, reg.opts());
    } else if (op == 1) {
      r.transition_stage(name, versions.back().version, "Staging", false, "", reg.opts());
    } else if (op == 2) {
      r.set_alias(name, "champion", versions.front().version, reg.opts());
    } else if (op == 3) {
      r.set_model_version_tag(name, versions.back().version, "k", std::to_string(step), reg.opts());
    } else {  // a description edited by hand with plain git
      const git::Oid tip = *repo.resolve_commit("HEAD");
      const std::string file = "models/" + name + "/model.yaml";
      const std::string text = *r.at().read_file(file) + "x-note-" + std::to_string(step) + ": by hand\n";
      const git::Signature sig{"Hand Edit", "hand@example.com", reg.now += 60, 0};
      const git::Oid tree = repo.update_tree(repo.read_commit(tip).tree, {{file, repo.write_blob(text)}});
      const git::Oid c = repo.write_commit(tree, {tip}, sig, sig, "edit by hand\n");
      REQUIRE(repo.update_ref("refs/heads/main", c, tip, "edit") == git::Repository::RefUpdate::Updated);
    }
  }

  // The log (newest first) walks git; events of HEAD~i..HEAD~j are those of the
  // commits i-1 .. j below HEAD, oldest first.
  r.set_config_value("mreg.historyIndex", "false");
  const auto log = read_log(r, "", LogQuery{});
  std::vector<std::string> commits;  // newest first
  for (const auto& e : log)
    if (commits.empty() || commits.back() != e.commit) commits.push_back(e.commit);
  auto expected = [&](size_t i, size_t j) {
    std::vector<Event> out;
    for (size_t k = i; k-- > j;)
      for (const auto& e : log)
        if (e.commit == commits[k]) out.push_back(e);
    return dump_events(out);
  };
  const fs::path tip_file = reg.tmp.dir / "reg.git" / "mreg" / "history-tip.bin";
  const size_t n = commits.size() - 1;  // the first commit has no parent to name
  for (bool indexed : {false, true}) {
    r.set_config_value("mreg.historyIndex", indexed ? "true" : "false");
    fs::remove(tip_file);
    for (int round = 0; round < 25; ++round) {
      size_t i = static_cast<size_t>(pick(static_cast<int>(n))) + 1, j = static_cast<size_t>(pick(static_cast<int>(i)));
      if (round == 0) i = n, j = 0;  // the longest: later ones come from the chain it leaves
      const std::string want = expected(i, j);
      CHECK(dump_events(events_in_range(r, "HEAD~" + std::to_string(i) + "..HEAD~" + std::to_string(j))) == want);
      CHECK(dump_events(events_in_range(r, commits[i] + ".." + commits[j])) == want);
      if (j > 0) CHECK(dump_events(events_in_range(r, commits[j] + "~" + std::to_string(i - j) + ".." + commits[j])) == want);
      CHECK(dump_events(events_in_range(r, "HEAD~" + std::to_string(j) + "..HEAD~" + std::to_string(i))) == "[]");
    }
    CHECK(fs::exists(tip_file) == indexed);
  }

  // A damaged tip chain is not used.
  {
    std::fstream f(tip_file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(tip_file) / 2));
    f.put('\x7f');
  }
  CHECK(dump_events(events_in_range(r, "HEAD~" + std::to_string(n) + "..HEAD")) == expected(n, 0));
}
