// The habits of the command line itself: -V, unknown commands with a suggestion, usage errors
// as JSON under -o json, and completion scripts made from the command tree.
#include "support/harness.h"

#include <algorithm>

using namespace e2e;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

// A usage error (exit 2) with -o json: nothing on stdout, one JSON object on stderr.
void require_json_usage_error(const std::vector<std::string>& args, const std::string& needle) {
  Result r = mreg(args);
  INFO(describe(r));
  REQUIRE(r.status == 2);
  CHECK(r.out.empty());
  const Json err = Json::parse(r.err);
  CHECK(err["error_code"] == "BAD_REQUEST");
  CHECK_THAT(err["message"].get<std::string>(), Contains(needle));
}

// The words bash completion offers for a command line whose last word is being typed.
std::vector<std::string> bash_completions(const std::string& script, const std::string& line) {
  const std::string program = "source " + script + R"(
read -ra COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_mreg
printf '%s\n' "${COMPREPLY[@]}"
)";
  Result r = run({"bash", "-c", program}, "", {"LINE=" + line});
  INFO(describe(r));
  REQUIRE(r.status == 0);
  std::vector<std::string> out;
  for (const auto& w : lines(r.out))
    if (!w.empty()) out.push_back(w);
  return out;
}

bool has(const std::vector<std::string>& words, const std::string& w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// The subcommands `mreg WORDS... --help` lists.
std::vector<std::string> listed_subcommands(const std::vector<std::string>& words) {
  std::vector<std::string> args = words;
  args.push_back("--help");
  Result r = mreg(args);
  std::vector<std::string> out;
  bool in_list = false;
  for (const auto& line : lines(r.out)) {
    if (line == "Subcommands:") in_list = true;
    else if (in_list && line.rfind("  ", 0) == 0) out.push_back(trim(line).substr(0, trim(line).find(' ')));
    else if (in_list) break;
  }
  return out;
}

}  // namespace

TEST_CASE("mreg -V is mreg --version", "[usage]") {
  Result v = mreg({"-V"}), version = mreg({"--version"});
  REQUIRE_EXIT(v, 0);
  CHECK(v.out == version.out);
  CHECK_THAT(v.out, Contains("mreg "));
}

TEST_CASE("an unknown command exits 2 with a suggestion, also with --help", "[usage]") {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"modle", "list"}, {"modle", "--help"}}) {
    Result r = mreg(args);
    INFO(describe(r));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("unknown command 'modle'"));
    CHECK_THAT(r.err, Contains("did you mean 'model'?"));
    CHECK(r.out.empty());
  }
  Result sub = mreg({"--repo", "/nonexistent", "model", "lst"});  // a global option's value is no command
  CHECK(sub.status == 2);
  CHECK_THAT(sub.err, Contains("unknown command 'lst' for 'mreg model'; did you mean 'list'?"));
  Result far = mreg({"frobnicate"});
  CHECK(far.status == 2);
  CHECK_THAT(far.err, Contains("unknown command 'frobnicate'"));
  CHECK_THAT(far.err, !Contains("did you mean"));
}

TEST_CASE("every usage error is JSON on stderr with -o json", "[usage]") {
  require_json_usage_error({"-o", "json", "frobnicate"}, "unknown command 'frobnicate'");
  require_json_usage_error({"model", "-o", "json"}, "subcommand");                  // a command is missing
  require_json_usage_error({"-o", "json", "model", "list", "--bogus"}, "--bogus");  // an unknown option
  require_json_usage_error({"--output=json", "version", "show", "m"}, "version");   // a missing argument
  require_json_usage_error({"-ojson", "log", "-n", "0"}, "max-count");                    // a value out of range
}

TEST_CASE("completion scripts come from the command tree", "[usage][completion]") {
  TempDir dir;
  for (const std::string shell : {"bash", "zsh", "fish"}) {
    Result r = mreg({"completion", shell});
    REQUIRE_EXIT(r, 0);
    write_file(dir / ("mreg." + shell), r.out);
  }
  const std::string bash = dir / "mreg.bash";

  Result registered = run({"bash", "-c", "source " + bash + "; complete -p mreg"});
  REQUIRE_EXIT(registered, 0);
  CHECK(trim(registered.out) == "complete -o default -F _mreg mreg");

  // Every command `mreg --help` lists, and every subcommand of those.
  const auto top = bash_completions(bash, "mreg ");
  for (const auto& command : listed_subcommands({})) {
    INFO(command);
    CHECK(has(top, command));
    const auto subs = listed_subcommands({command});
    if (subs.empty()) continue;
    const auto offered = bash_completions(bash, "mreg " + command + " ");
    for (const auto& sub : subs) CHECK(has(offered, sub));
  }
  CHECK(bash_completions(bash, "mreg mo") == std::vector<std::string>{"model"});
  CHECK(bash_completions(bash, "mreg --repo /tmp/x mo") == std::vector<std::string>{"model"});
  CHECK(bash_completions(bash, "mreg -o ") == std::vector<std::string>{"table", "json", "yaml", "markdown"});
  CHECK(bash_completions(bash, "mreg model list --output ") == std::vector<std::string>{"table", "json", "yaml", "markdown"});
  CHECK(bash_completions(bash, "mreg completion ") == std::vector<std::string>{"bash", "zsh", "fish"});
  const auto del = bash_completions(bash, "mreg model delete --");
  CHECK(has(del, "--yes"));
  CHECK(has(del, "--dry-run"));
  CHECK(has(del, "--repo"));  // the global options go everywhere
  CHECK_FALSE(has(bash_completions(bash, "mreg model list --"), "--dry-run"));

  Result zsh = run({"zsh", "-n", dir / "mreg.zsh"});
  CHECK_EXIT(zsh, 0);
  Result fish = run({"fish", "-n", dir / "mreg.fish"});
  CHECK_EXIT(fish, 0);
  // fish completes with the script loaded, as it would at a prompt.
  Result fish_words = run({"fish", "-c", "source " + dir / "mreg.fish" + "; complete -C 'mreg model d'"});
  REQUIRE_EXIT(fish_words, 0);
  CHECK_THAT(fish_words.out, Contains("delete"));
  Result fish_options = run({"fish", "-c", "source " + dir / "mreg.fish" + "; complete -C 'mreg -o '"});
  CHECK_THAT(fish_options.out, Contains("json"));
}
