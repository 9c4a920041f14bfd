// Helpers for the lifecycle, activity and events tests: dated writes, refused commands,
// annotated tags, and the fields of Event, Interval and Payload objects.
#pragma once

#include "support/harness.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace e2e {

// The environment that makes a write's commit carry the given author and committer date.
inline std::vector<std::string> dated(const std::string& date) {
  return {"GIT_COMMITTER_DATE=" + date, "GIT_AUTHOR_DATE=" + date};
}

// "2026-10-01T10:MM:00Z": minute k of a fixed morning, for stories told one write a minute.
inline std::string minute(int k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2026-10-01T%02d:%02d:00Z", 10 + k / 60, k % 60);
  return buf;
}

// Gives the registry's first commit (the one `mreg init` made, dated now) the given date, so
// that every commit after it can carry an earlier, fixed date and dates still grow along
// history. Needs nothing on top of the init commit.
inline void redate_init(const Registry& reg, const std::string& date) {
  REQUIRE(reg.commit_count() == 1);
  std::string old_head = reg.head();
  std::string message = reg.git_ok({"log", "-1", "--format=%B", "HEAD"}) + "\n";
  Result made = reg.git({"commit-tree", "HEAD^{tree}", "-F", "-"}, dated(date), message);
  REQUIRE_EXIT(made, 0);
  reg.git_ok({"update-ref", "HEAD", trim(made.out), old_head});
  REQUIRE(reg.git_ok({"log", "-1", "--format=%ct"}) == std::to_string(rfc3339_ms(date) / 1000));
}

// Runs a command that must be refused: the exit code, stderr naming `needle` (case ignored)
// after "mreg: error:", and the repository exactly as it was (HEAD, every ref and tag, and the
// work tree).
inline Result expect_refused(const Registry& reg, const std::vector<std::string>& args, int code,
                             const std::string& needle,
                             const std::vector<std::string>& env = {}) {
  std::string before = reg.state();
  Result r = reg.mreg(args, env);
  INFO(describe(r));
  CHECK(r.status == code);
  CHECK_THAT(r.err, Catch::Matchers::Contains(needle, Catch::CaseSensitive::No));
  if (code >= 3) CHECK_THAT(r.err, Catch::Matchers::Contains("mreg: error:"));
  CHECK(reg.state() == before);
  return r;
}

// Like expect_refused where the contract names no exit code: any failure (not 0, not a crash).
inline Result expect_failed(const Registry& reg, const std::vector<std::string>& args,
                            const std::string& needle,
                            const std::vector<std::string>& env = {}) {
  std::string before = reg.state();
  Result r = reg.mreg(args, env);
  INFO(describe(r));
  CHECK(r.status > 0);
  CHECK(r.signal == 0);
  CHECK_THAT(r.err, Catch::Matchers::Contains(needle, Catch::CaseSensitive::No));
  CHECK(reg.state() == before);
  return r;
}

// `git tag -l PATTERN` as a sorted list.
inline std::vector<std::string> tag_names(const Registry& reg, const std::string& pattern = "*") {
  std::vector<std::string> out;
  for (const auto& line : lines(reg.git_ok({"tag", "-l", pattern})))
    if (!trim(line).empty()) out.push_back(trim(line));
  std::sort(out.begin(), out.end());
  return out;
}

// The message of an annotated tag, without trailing newlines.
inline std::string tag_message(const Registry& reg, const std::string& tag) {
  return trim(reg.git_ok({"for-each-ref", "--format=%(contents)", "refs/tags/" + tag}));
}

// The commit a tag points at.
inline std::string tag_commit(const Registry& reg, const std::string& tag) {
  return reg.git_ok({"rev-parse", tag + "^{commit}"});
}

// obj[key] as a string: "(absent)" when left out, "null" when null, else its text (a string
// value without quotes).
inline std::string field(const nlohmann::json& obj, const std::string& key) {
  auto it = obj.find(key);
  if (it == obj.end()) return "(absent)";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// A list of objects, one field of each.
inline std::vector<std::string> column(const nlohmann::json& list, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(field(item, key));
  return out;
}

// Commit ids of the first-parent history of HEAD, newest first (as `git log` lists them).
inline std::vector<std::string> git_log_ids(const Registry& reg, const std::string& rev = "HEAD") {
  return lines(reg.git_ok({"log", "--first-parent", "--format=%H", rev}));
}

}  // namespace e2e
