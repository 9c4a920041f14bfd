// A small harness for the end-to-end tests: runs the real `mreg` binary and the real `git`
// on temporary repositories, with a fixed identity and none of the machine's git config.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace e2e {

// What a finished process left behind.
struct Result {
  std::vector<std::string> argv;
  int status = -1;  // exit code; -1 when the process was killed by a signal
  int signal = 0;   // the signal that killed it, else 0
  std::string out;  // stdout
  std::string err;  // stderr
};

// The command line, exit status, stdout and stderr, for failure messages.
std::string describe(const Result& r);

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it at the end of the scope,
// unless MREG_KEEP_TEST_DIRS is set. path() is canonical (no symbolic links).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// The environment every child gets: the inherited one without GIT_*, MREG_*, EMAIL and
// XDG_CONFIG_HOME, plus the test identity (GIT_AUTHOR_NAME=Test User,
// GIT_AUTHOR_EMAIL=test@example.com, same for the committer), HOME set to an empty folder,
// GIT_CONFIG_NOSYSTEM=1, LC_ALL=C.UTF-8 and TZ=UTC.
// extra_env entries are "KEY=VALUE" (set or replace) or "KEY" (remove).
std::vector<std::string> child_env(const std::vector<std::string>& extra_env = {});

inline const char* kIdentity = "Test User <test@example.com>";

// Runs argv[0] (looked up in PATH) with the arguments exactly as given, no shell.
// Waits for it and captures stdout and stderr. Thread-safe.
Result run(const std::vector<std::string>& argv, const std::string& cwd = "",
           const std::vector<std::string>& extra_env = {}, const std::string& stdin_data = "");

// Starts argv without waiting; stdout and stderr go to the given files ("" = /dev/null).
// The child leads its own process group. Thread-safe.
pid_t spawn(const std::vector<std::string>& argv, const std::string& cwd,
            const std::vector<std::string>& extra_env, const std::string& out_path,
            const std::string& err_path);
// Waits for a spawned child: its exit code, or -1 when a signal killed it.
int wait_exit(pid_t pid);
// Like wait_exit, without blocking: true (and *status set) when the child has ended.
bool poll_exit(pid_t pid, int* status);
// The value of the first line "KEY: value" of a YAML text, without quotes; "" when none.
std::string scalar_line(const std::string& text, const std::string& key);

// `mreg ARGS...` with the binary under test.
Result mreg(const std::vector<std::string>& args, const std::string& cwd = "",
            const std::vector<std::string>& extra_env = {});
// `git ARGS...`.
Result git(const std::vector<std::string>& args, const std::string& cwd = "",
           const std::vector<std::string>& extra_env = {}, const std::string& stdin_data = "");
// `git ARGS...` that must succeed: its stdout without the trailing newline.
std::string git_ok(const std::vector<std::string>& args, const std::string& cwd,
                   const std::vector<std::string>& extra_env = {});
// `sh -c SCRIPT` that must succeed: its stdout.
std::string sh_ok(const std::string& script, const std::string& cwd = "");

// stdout parsed as JSON; fails the test (showing the output) when it is not JSON.
nlohmann::json json(const Result& r);
// YAML text as JSON (through python3 and PyYAML; timestamps stay strings).
nlohmann::json yaml_to_json(const std::string& yaml);

// Files.
void write_file(const std::string& path, const std::string& content);  // makes parent folders
std::string read_file(const std::string& path);
std::vector<std::string> lines(const std::string& text);
std::string trim(const std::string& s);
// 1-based number of the first line of text that starts with prefix; 0 when none does.
int line_of(const std::string& text, const std::string& prefix);

// "2026-11-24T09:30:00Z" as milliseconds since the epoch; -1 when it does not parse.
int64_t rfc3339_ms(const std::string& s);
int64_t now_ms();

// text with its first line that starts with prefix replaced by replacement (a whole line);
// fails the test when no line starts with prefix.
std::string replace_line(const std::string& text, const std::string& prefix,
                         const std::string& replacement);

// MLflow leaves out empty fields: obj[key], or an empty array when it is left out.
nlohmann::json list_field(const nlohmann::json& obj, const std::string& key);
// MLflow's [{"key": K, "value": V}] as a map.
std::map<std::string, std::string> tag_map(const nlohmann::json& tags);

// The trailers of a commit's message, from `git interpret-trailers --parse`.
std::multimap<std::string, std::string> trailers(const std::string& repo, const std::string& rev);
// The value of one trailer of a commit's message; "(missing)" when it has none.
std::string trailer(const std::string& repo, const std::string& rev, const std::string& key);

// `git fsck --strict` in repo exits 0 and reports nothing but dangling objects.
void require_fsck_clean(const std::string& repo);

// A registry made with `mreg init` in a fresh temporary folder (bare or with a work tree).
class Registry {
 public:
  explicit Registry(bool bare = false, const std::string& registry_id = "test/registry");
  // A copy of another registry's folder (the repository and everything beside it) in a fresh
  // one: a fixture built once and copied is cheaper than built again.
  struct CopyOf {
    const Registry& original;
  };
  explicit Registry(CopyOf from);
  const std::string& path() const { return path_; }
  bool bare() const { return bare_; }

  // mreg ARGS... --repo PATH
  Result mreg(std::vector<std::string> args, const std::vector<std::string>& extra_env = {}) const;
  // mreg ARGS... --repo PATH -o json, which must exit 0: its stdout as JSON.
  nlohmann::json mreg_json(std::vector<std::string> args,
                           const std::vector<std::string>& extra_env = {}) const;
  // git ARGS... in the repository.
  Result git(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {},
             const std::string& stdin_data = "") const;
  std::string git_ok(const std::vector<std::string>& args,
                     const std::vector<std::string>& extra_env = {}) const;

  std::string head() const;  // commit id of HEAD
  // The content of a file at a revision (git show REV:FILE), which must exist.
  std::string show(const std::string& file, const std::string& rev = "HEAD") const;
  // Every file in the tree at a revision.
  std::vector<std::string> files(const std::string& rev = "HEAD") const;
  // HEAD, every ref, and (with a work tree) `git status --porcelain`: equal before and after
  // a command when the command wrote nothing.
  std::string state() const;
  // Number of commits reachable from HEAD.
  int commit_count() const;
  // Checks the message of the commit at rev as FORMAT.md "Commits" has it: a one-line summary,
  // a blank line, and the trailers Mreg-Op: op and, when not empty, Mreg-Model and Mreg-Version.
  void check_commit(const std::string& rev, const std::string& op, const std::string& model = "",
                    const std::string& version = "") const;
  // A hand edit with plain git (work tree only): `git add -A` and `git commit -m message`.
  void hand_commit(const std::string& message) const;
  // With a work tree: `git status --porcelain --untracked-files=all` is empty and every file
  // of HEAD is in the work tree with the same content.
  void require_worktree_matches_head() const;

  TempDir dir;

 private:
  std::string path_;
  bool bare_;
};

}  // namespace e2e

// Asserts the exit status of a Result, showing the command and its output on failure.
#define REQUIRE_EXIT(result, code)                \
  do {                                            \
    const ::e2e::Result& e2e_r_ = (result);       \
    INFO(::e2e::describe(e2e_r_));                \
    REQUIRE(e2e_r_.status == (code));             \
  } while (0)
#define CHECK_EXIT(result, code)                  \
  do {                                            \
    const ::e2e::Result& e2e_r_ = (result);       \
    INFO(::e2e::describe(e2e_r_));                \
    CHECK(e2e_r_.status == (code));               \
  } while (0)
