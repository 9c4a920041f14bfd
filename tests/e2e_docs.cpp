// docs/cli.md against the binary: every command `mreg --help` lists has a row in the table of
// commands that says what it prints with -o json, and every exit code the binary names is
// explained.
#include "support/harness.h"

#include <regex>

using namespace e2e;

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
