// Reading CLI11's command tree: what `mreg completion` prints and the "unknown command" check
// both come from it, so neither drifts from the commands themselves.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mreg::cli {

// The option `word` (as typed: "-o", "--output", "--output=json") names at `cmd` or, since
// options fall through, at one of its parents; null when none.
const CLI::Option* find_option(const CLI::App& cmd, const std::string& word);
// Does the option take a value ("--repo PATH") rather than stand alone ("--quiet")?
bool takes_value(const CLI::Option& opt);
// The values an option accepts when it names them ("-o table|json|yaml"); empty when any.
std::vector<std::string> choices(const CLI::Option& opt);
// The subcommands of `cmd`, in the order they were added.
std::vector<const CLI::App*> subcommands(const CLI::App& cmd);

// The first word of the command line where a command belongs that names none (`mreg frobnicate`,
// also with --help after it, which CLI11 would answer first): the message, with a "did you mean"
// when a command's name is close.
std::optional<std::string> unknown_command(const CLI::App& app, int argc, char** argv);

}  // namespace mreg::cli
