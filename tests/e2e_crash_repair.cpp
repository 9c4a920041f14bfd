// A writer killed with SIGKILL at any moment never leaves a repository that needs repair by
// hand: the next mreg command, whatever it is, leaves it as if the write had finished or
// never started (the index and work tree caught up with the branch, no lock of the dead
// writer left), and a file edited by hand is never overwritten.
#include "support/harness.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

using namespace e2e;
using Json = nlohmann::json;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string git_dir_of(const Registry& reg) { return reg.bare() ? reg.path() + "/" : reg.path() + "/.git/"; }

// When this process started, as /proc/self/stat says (field 22): with its pid, what an
// index.lock of a live mreg process would hold.
std::string own_start_time() {
  const std::string stat = read_file("/proc/self/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) in >> field;
  return field;
}

// A pid that no process has (one that just ended).
pid_t dead_pid() {
  pid_t pid = spawn({"true"}, "", {}, "", "");
  wait_exit(pid);
  return pid;
}

// The write the i-th round kills: registrations mostly, and tag writes, which touch model.yaml
// or a version file only.
std::vector<std::string> write_args(int i) {
  const std::string n = std::to_string(i);
  switch (i % 4) {
    case 1: return {"model", "tag", "set", "m", "round", n};
    case 3: return {"version", "tag", "set", "m", "1", "round", n};
    default: return {"register", "m", "--source", "s3://crash/" + n};
  }
}

// The next command after a kill: a read or a write, by turns.
std::vector<std::string> next_args(int i) {
  if (i % 2 == 0) return {"model", "list", "-o", "json"};
  return {"model", "tag", "set", "m", "next", std::to_string(i)};
}

struct Tally {
  int kills = 0;        // writers killed while they ran
  int finished = 0;     // writers that ended before the kill
  int need_repair = 0;  // rounds after which the repository was not clean
  // What the killed writers left for the next command to finish (so that the kills are seen to
  // fall after commits, not only before them): a journal, an index.lock, a dirty work tree.
  int left_journal = 0, left_index_lock = 0, left_dirty = 0;
  std::vector<std::string> failures;
};

// Kills writers until `kills` of them died while running; after each, runs one mreg command and
// checks that the repository needs nothing: the command succeeded, `git status` is clean, no
// index.lock or journal is left, `mreg check` passes; `git fsck --full` every 25 kills.
void kill_writers(Registry& reg, int kills, unsigned seed, Tally& tally) {
  reg.mreg_json({"model", "create", "m"});
  reg.mreg_json({"register", "m", "--source", "s3://crash/0"});
  const std::string git_dir = git_dir_of(reg);
  // How long a write takes here, so that the kills fall all over it.
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    reg.mreg_json(write_args(i));
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_us(0, static_cast<int>(ms[2] * 1000));

  const std::string out = reg.dir / "writer.out", err = reg.dir / "writer.err";
  int round = 0;
  while (tally.kills < kills) {
    ++round;
    std::vector<std::string> argv{MREG_BINARY};
    for (auto& a : write_args(round)) argv.push_back(a);
    argv.insert(argv.end(), {"--repo", reg.path(), "-q"});
    const pid_t pid = spawn(argv, "", {}, out, err);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(pid, SIGKILL);
    const int status = wait_exit(pid);
    if (status == -1) ++tally.kills;
    else ++tally.finished;
    if (status > 0) tally.failures.push_back("round " + std::to_string(round) + ": the writer exited " +
                                             std::to_string(status) + ": " + read_file(err));

    tally.left_journal += fs::exists(git_dir + "mreg-pending");
    tally.left_index_lock += fs::exists(git_dir + "index.lock");
    if (!reg.bare()) tally.left_dirty += !reg.git_ok({"status", "--porcelain", "--untracked-files=all"}).empty();

    std::vector<std::string> problems;
    Result next = reg.mreg(next_args(round));
    if (next.status != 0) problems.push_back("the next command failed: " + describe(next));
    if (!reg.bare()) {
      const std::string status_text = reg.git_ok({"status", "--porcelain", "--untracked-files=all"});
      if (!status_text.empty()) problems.push_back("git status:\n" + status_text);
    }
    for (const char* left : {"index.lock", "mreg-pending"})
      if (fs::exists(git_dir + left)) problems.push_back(std::string(left) + " is left");
    // With a work tree, a plain `git commit` works next (a bare repository's next mreg write
    // clears a ref lock left there).
    if (!reg.bare() && fs::exists(git_dir + "refs/heads/main.lock")) problems.push_back("refs/heads/main.lock is left");
    Result check = reg.mreg({"check"});
    if (check.status != 0) problems.push_back("mreg check: " + describe(check));
    if (tally.kills % 25 == 0) {
      Result fsck = reg.git({"fsck", "--full", "--no-dangling"});
      if (fsck.status != 0 || !fsck.err.empty()) problems.push_back("git fsck: " + describe(fsck));
    }
    if (!problems.empty()) {
      ++tally.need_repair;
      std::string all;
      for (const auto& p : problems) all += p + "\n";
      tally.failures.push_back("round " + std::to_string(round) + " (killed after " +
                               std::to_string(tally.kills) + " kills):\n" + all);
    }
  }
  require_fsck_clean(reg.path());
  if (!reg.bare()) reg.require_worktree_matches_head();
}

void report(const Tally& tally, const char* where) {
  std::string first;
  for (size_t i = 0; i < tally.failures.size() && i < 3; ++i) first += tally.failures[i] + "\n";
  INFO(where << ": " << tally.kills << " writers killed, " << tally.finished << " finished first, "
             << tally.need_repair << " rounds left a repository that needs repair\n"
             << first);
  WARN(where << ": " << tally.kills << " writers killed, " << tally.finished << " finished first; left for the next "
              << "command: " << tally.left_journal << " journals, " << tally.left_index_lock << " index.lock, "
              << tally.left_dirty << " dirty work trees; " << tally.need_repair << " needed repair");
  CHECK(tally.need_repair == 0);
  CHECK(tally.failures.empty());
  // The test is the kills: most writers die while they run.
  CHECK(tally.kills > tally.finished);
}

}  // namespace

TEST_CASE("500 writers killed at random moments leave nothing to repair", "[crash][repair]") {
  SECTION("a repository with a work tree: 300 kills") {
    Registry reg(false);
    Tally tally;
    kill_writers(reg, 300, 1403, tally);
    report(tally, "work tree");
  }
  SECTION("a bare repository: 200 kills") {
    Registry reg(true);
    Tally tally;
    kill_writers(reg, 200, 2024, tally);
    report(tally, "bare");
  }
}

// The state a writer killed right after its branch moved leaves, made by hand: the commit of an
// mreg write is there, the index and work tree still have the commit before it, and the
// journal (FORMAT.md, "Writers with a work tree") names the commit and its paths.
struct Interrupted {
  Registry reg;
  std::string before, after;
  Interrupted() {
    reg.mreg_json({"model", "create", "m"});
    reg.mreg_json({"register", "m", "--source", "s3://x/1"});
    before = reg.head();
    reg.mreg_json({"register", "m", "--source", "s3://x/2"});
    after = reg.head();
    // Back to the old index and work tree for what the write touched.
    reg.git_ok({"read-tree", before});
    reg.git_ok({"checkout-index", "-f", "-a"});
    std::filesystem::remove(reg.path() + "/models/m/versions/2.yaml");
    write_file(reg.path() + "/.git/mreg-pending",
               "mreg-pending 1\nwriter " + std::to_string(dead_pid()) + " 1\nbranch refs/heads/main\nfrom " +
                   before + "\nto " + after + "\npath models/m/model.yaml\npath models/m/versions/2.yaml\n");
    REQUIRE(reg.git_ok({"status", "--porcelain"}) != "");
  }
};

TEST_CASE("the next command finishes a write whose writer was killed after its commit", "[crash][repair]") {
  Interrupted s;
  Registry& reg = s.reg;
  SECTION("a read catches the index and work tree up") {
    Result r = reg.mreg({"model", "list"});
    CHECK_EXIT(r, 0);
    CHECK(r.err == "");
    reg.require_worktree_matches_head();
    CHECK_FALSE(fs::exists(reg.path() + "/.git/mreg-pending"));
  }
  SECTION("so does a write, which then succeeds on top") {
    CHECK_EXIT(reg.mreg({"register", "m", "--source", "s3://x/3"}), 0);
    reg.require_worktree_matches_head();
    CHECK(reg.files().size() == 5);  // mreg.yaml, model.yaml, three versions
  }
  SECTION("a file edited by hand since is left alone and reported") {
    write_file(reg.path() + "/models/m/model.yaml", "# my own edit\n");
    Result r = reg.mreg({"model", "list"});
    CHECK_EXIT(r, 0);
    CHECK_THAT(r.err, Contains("models/m/model.yaml was changed by hand"));
    CHECK(read_file(reg.path() + "/models/m/model.yaml") == "# my own edit\n");
    // The rest caught up.
    CHECK(read_file(reg.path() + "/models/m/versions/2.yaml") == reg.show("models/m/versions/2.yaml"));
    const std::string status = reg.git_ok({"status", "--porcelain"});
    CHECK(lines(status).size() == 1);
    CHECK_THAT(status, Contains("models/m/model.yaml"));
    // A write that would overwrite it is refused, and writes nothing.
    const std::string head = reg.head();
    CHECK_EXIT(reg.mreg({"model", "tag", "set", "m", "k", "v"}), 6);
    CHECK(reg.head() == head);
    CHECK(read_file(reg.path() + "/models/m/model.yaml") == "# my own edit\n");
  }
}

TEST_CASE("an index.lock is cleared only when a dead mreg made it", "[crash][repair]") {
  Registry reg(false);
  reg.mreg_json({"model", "create", "m"});
  const std::string lock = reg.path() + "/.git/index.lock";

  SECTION("one of a dead mreg process: the next write clears it and succeeds") {
    write_file(lock, "mreg-index-lock " + std::to_string(dead_pid()) + " 1\n");
    CHECK_EXIT(reg.mreg({"model", "tag", "set", "m", "k", "v"}), 0);
    CHECK_FALSE(fs::exists(lock));
    reg.require_worktree_matches_head();
    // git can use the index again.
    write_file(reg.path() + "/notes.txt", "x\n");
    reg.git_ok({"add", "notes.txt"});
  }
  SECTION("one of a dead mreg process: a read clears it too") {
    write_file(lock, "mreg-index-lock " + std::to_string(dead_pid()) + " 1\n");
    CHECK_EXIT(reg.mreg({"model", "list"}), 0);
    CHECK_FALSE(fs::exists(lock));
  }
  SECTION("git's own (or one of a live process): left, and a write refuses before writing anything") {
    for (const std::string& content : {std::string("DIRC binary index being written"),
                                       "mreg-index-lock " + std::to_string(::getpid()) + " " + own_start_time() + "\n"}) {
      write_file(lock, content);
      const std::string state = reg.state();
      Result r = reg.mreg({"model", "tag", "set", "m", "k", "v"});
      CHECK_EXIT(r, 6);
      CHECK_THAT(r.err, Contains("index.lock"));
      CHECK(reg.state() == state);
      CHECK(read_file(lock) == content);
      CHECK_EXIT(reg.mreg({"model", "list"}), 0);
      CHECK(read_file(lock) == content);
      fs::remove(lock);
    }
  }
}
