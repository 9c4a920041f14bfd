// docs/cli.md against the binary: every command `mreg --help` lists has a row in the table of
// commands that says what it prints with -o json, and every exit code the binary names is
// explained.
#include "support/harness.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>

using namespace e2e;
using Json = nlohmann::json;

namespace docs_check {

// The subcommands `mreg WORDS... --help` lists.
std::vector<std::string> subcommands(const std::vector<std::string>& words) {
  std::vector<std::string> args = words;
  args.push_back("--help");
  Result r = mreg(args);
  REQUIRE_EXIT(r, 0);
  std::vector<std::string> out;
  bool in_list = false;
  for (const auto& line : lines(r.out)) {
    if (line == "Subcommands:") {
      in_list = true;
    } else if (in_list && line.rfind("  ", 0) == 0) {
      out.push_back(trim(line).substr(0, trim(line).find(' ')));
    } else if (in_list) {
      break;
    }
  }
  return out;
}

// Every command that does something, as its words ("model tag set").
void leaf_commands(const std::vector<std::string>& words, std::vector<std::string>& out) {
  const auto subs = subcommands(words);
  if (subs.empty() && !words.empty()) {
    std::string path;
    for (const auto& w : words) path += (path.empty() ? "" : " ") + w;
    out.push_back(path);
  }
  for (const auto& s : subs) {
    auto next = words;
    next.push_back(s);
    leaf_commands(next, out);
  }
}

}  // namespace docs_check

TEST_CASE("docs/cli.md has a row with the JSON output of every command the binary lists, and every exit code", "[docs]") {
  const std::string doc = read_file(std::string(MREG_SOURCE_DIR) + "/docs/cli.md");
  std::vector<std::string> rows;
  for (const auto& line : lines(doc))
    if (line.rfind("| `mreg ", 0) == 0) rows.push_back(line);

  std::vector<std::string> commands;
  docs_check::leaf_commands({}, commands);
  REQUIRE(commands.size() > 40);
  for (const auto& command : commands) {
    INFO("mreg " << command);
    const std::regex named("`mreg " + command + "[ `]");
    const std::string* row = nullptr;
    for (const auto& r : rows)
      if (std::regex_search(r, named)) row = &r;
    REQUIRE(row != nullptr);
    // | command | does | JSON |: the last cell says what -o json prints.
    const auto last = row->rfind('|', row->size() - 2);
    CHECK(trim(row->substr(last + 1, row->size() - last - 2)).size() > 1);
  }

  Result help = mreg({"--help"});
  const auto codes_at = help.out.find("Exit codes:");
  REQUIRE(codes_at != std::string::npos);
  for (const auto& m : {"0", "1", "2", "3", "4", "5", "6", "7", "8"}) {
    INFO("exit code " << m);
    CHECK(std::regex_search(help.out.substr(codes_at), std::regex(std::string("\\s") + m + " [a-z]")));
    CHECK(doc.find(std::string("\n| ") + m + " | ") != std::string::npos);
  }
}

// The docs run: the shell blocks of README.md's tour and of docs/approvals.md's flow are read
// from the Markdown files and run command by command, as written, in one bash (so `cd` and
// `git switch` carry on), with `mreg` on the PATH. Each command must exit 0, or the code its
// comment names as "(exit N)". Words that stand for values printed earlier are the only thing
// replaced: REQUEST_ID (and approvals.md's example id) by the newest request's id,
// $MREG_TRUSTED_ROOT by the root `mreg policy init` pinned, $LAST_CHECKPOINT by the main that was
// verified and pushed before the merge.
namespace docs_run {

struct Command {
  int line = 0;          // in the Markdown file, where it starts
  std::string text;      // without its comment; continuation lines joined
  int expected_exit = 0;
};

// Where an unquoted "#" starts a comment (at the start of a word), else npos.
std::size_t comment_start(const std::string& line) {
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return i;
    }
  }
  return std::string::npos;
}

// The commands of the ```sh blocks of `markdown` between the heading `section` and the next
// heading of its level or above.
std::vector<Command> commands(const std::string& markdown, const std::string& section) {
  std::vector<Command> out;
  const auto all = lines(markdown);
  const std::string level = section.substr(0, section.find(' ') + 1);
  bool in_section = false, in_block = false;
  Command pending;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::string& line = all[i];
    if (!in_block && line.rfind("#", 0) == 0) {
      if (line == section) in_section = true;
      else if (in_section && line.rfind(level, 0) == 0) break;
      else if (in_section && line.find(' ') <= level.size() - 1) break;
      continue;
    }
    if (!in_section) continue;
    if (line.rfind("```", 0) == 0) {
      in_block = !in_block && line == "```sh";
      continue;
    }
    if (!in_block) continue;
    std::string code = line;
    const auto hash = comment_start(code);
    std::string comment;
    if (hash != std::string::npos) {
      comment = code.substr(hash);
      code = code.substr(0, hash);
    }
    static const std::regex exit_mark("\\(exit ([0-9]+)\\)");
    std::smatch m;
    if (std::regex_search(comment, m, exit_mark)) pending.expected_exit = std::stoi(m[1]);
    code = trim(code);
    if (pending.text.empty() && code.empty()) continue;
    if (pending.text.empty()) pending.line = static_cast<int>(i) + 1;
    const bool continued = !code.empty() && code.back() == '\\';
    if (continued) code.pop_back();
    pending.text += (pending.text.empty() ? "" : " ") + trim(code);
    if (!continued) {
      out.push_back(pending);
      pending = Command{};
    }
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::string single_quoted(const std::string& s) { return "'" + replace_all(s, "'", "'\\''") + "'"; }

// One bash script that runs the commands in turn and stops at the first that exits otherwise
// than the text says, naming it.
std::string script(const std::string& file, const std::vector<Command>& cmds) {
  std::string s = R"(newest_request() {
  mreg -o json status --all | python3 -c 'import json, sys; print(json.load(sys.stdin)["requests"][-1]["id"])'
}
)";
  for (const auto& c : cmds) {
    std::string text = c.text;
    for (const char* id : {"REQUEST_ID", "20261124T100211Z-7f3a"}) text = replace_all(text, id, "$(newest_request)");
    text = replace_all(text, "$MREG_TRUSTED_ROOT", "$(git config mreg.trustedRoot)");
    text = replace_all(text, "$LAST_CHECKPOINT", "$(git rev-parse origin/main)");
    const std::string where = file + ":" + std::to_string(c.line) + ": " + c.text;
    s += "printf '%s\\n' " + single_quoted("$ " + c.text) + " >&2\n" + text + "\nrc=$?\nif [ $rc -ne " +
         std::to_string(c.expected_exit) + " ]; then printf '%s\\n' " + single_quoted(where) +
         " >&2; echo \"  exited $rc; the text says " + std::to_string(c.expected_exit) + "\" >&2; exit 100; fi\n";
  }
  return s;
}

// Runs them in `cwd` with mreg on the PATH; fails the test at the first command that does not do
// what the text says.
void run_as_written(const std::string& file, const std::vector<Command>& cmds, const std::string& cwd,
                    const std::vector<std::string>& env = {}) {
  REQUIRE(!cmds.empty());
  const std::string bin = std::string(MREG_BINARY).substr(0, std::string(MREG_BINARY).rfind('/'));
  std::vector<std::string> with_path = env;
  with_path.push_back("PATH=" + bin + ":" + std::getenv("PATH"));
  Result r = run({"bash", "-c", script(file, cmds)}, cwd, with_path);
  INFO(r.err);
  REQUIRE(r.status == 0);
}

}  // namespace docs_run

TEST_CASE("the docs run: README.md's tour, command by command as written", "[docs][docs-run]") {
  const std::string readme = read_file(std::string(MREG_SOURCE_DIR) + "/README.md");
  const auto cmds = docs_run::commands(readme, "## A short tour");
  REQUIRE(cmds.size() > 25);
  const auto refused = std::find_if(cmds.begin(), cmds.end(), [](const auto& c) { return c.expected_exit != 0; });
  REQUIRE(refused != cmds.end());  // the convention is read
  CHECK(refused->expected_exit == 7);
  TempDir dir;
  docs_run::run_as_written("README.md", cmds, dir.path());
  // What the tour did: v2 in Production through the approved request, v1 archived.
  const std::string reg = dir / "registry";
  const Json v2 = json(mreg({"-o", "json", "version", "show", "power-forecast", "2", "--repo", reg}));
  CHECK(v2["model_version"]["current_stage"] == "Production");
  CHECK(json(mreg({"-o", "json", "version", "show", "power-forecast", "1", "--repo", reg}))["model_version"]["current_stage"] == "Archived");
}

TEST_CASE("the docs run: docs/approvals.md's flow, command by command as written", "[docs][docs-run][approvals]") {
  const std::string doc = read_file(std::string(MREG_SOURCE_DIR) + "/docs/approvals.md");
  const auto cmds = docs_run::commands(doc, "## The flow");
  REQUIRE(cmds.size() >= 12);

  // What the flow takes as given: the admin's git identity and key in ~/.gitconfig and ~/.ssh,
  // the reviewers' keys beside the registry, a remote, and fraud-detector v1..v7 with v6 in
  // Production.
  TempDir dir;
  const std::string home = dir / "home", work = dir / "registry";
  const std::vector<std::string> env{"HOME=" + home, "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                                     "GIT_COMMITTER_EMAIL"};
  std::filesystem::create_directories(home + "/.ssh");
  sh_ok("ssh-keygen -q -t ed25519 -N '' -C admin@example.com -f " + home + "/.ssh/id_ed25519");
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"user.name", "Admin"},
                                   {"user.email", "admin@example.com"},
                                   {"user.signingKey", home + "/.ssh/id_ed25519"}})
    REQUIRE_EXIT(run({"git", "config", "--global", key, value}, "", env), 0);
  REQUIRE_EXIT(run({"git", "init", "-q", "--bare", dir / "origin.git"}, "", env), 0);
  REQUIRE_EXIT(mreg({"init", work, "--registry", "acme/model-registry", "-q"}, "", env), 0);
  REQUIRE_EXIT(run({"git", "remote", "add", "origin", dir / "origin.git"}, work, env), 0);
  for (int v = 1; v <= 7; ++v)
    REQUIRE_EXIT(mreg({"register", "fraud-detector", "--create-model", "--source", "s3://models/fraud/" + std::to_string(v), "-q"}, work, env), 0);
  REQUIRE_EXIT(mreg({"stage", "fraud-detector", "6", "Production", "-q"}, work, env), 0);
  for (const char* who : {"alice", "bob"})
    sh_ok(std::string("ssh-keygen -q -t ed25519 -N '' -C ") + who + "@example.com -f " + who, work);

  docs_run::run_as_written("docs/approvals.md", cmds, work, env);
  const Json v = json(mreg({"-o", "json", "version", "show", "fraud-detector", "7"}, work, env));
  CHECK(v["model_version"]["current_stage"] == "Production");
  CHECK(json(mreg({"-o", "json", "version", "show", "fraud-detector", "6"}, work, env))["model_version"]["current_stage"] == "Archived");
}
