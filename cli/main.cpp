// mreg: a model registry in a git repository. Parses the command line, calls
// the core, prints the result; errors become the documented exit codes.
#include <CLI/CLI.hpp>

#include <malloc.h>

#include <iostream>
#include <optional>
#include <string>

#include "command_tree.h"
#include "context.h"
#include "dry_run_output.h"
#include "progress.h"
#include "mreg/dry_run.h"
#include "mreg/error.h"
#include "mreg/utf8.h"

namespace {

int exit_code(mreg::ErrorCode code) {
  using mreg::ErrorCode;
  switch (code) {
    case ErrorCode::INTERNAL_ERROR: return 1;
    case ErrorCode::BAD_REQUEST: return 2;
    case ErrorCode::INVALID_PARAMETER_VALUE: return 3;
    case ErrorCode::RESOURCE_DOES_NOT_EXIST: return 4;
    case ErrorCode::RESOURCE_ALREADY_EXISTS: return 5;
    case ErrorCode::RESOURCE_CONFLICT: return 6;
    case ErrorCode::PERMISSION_DENIED: return 7;
    case ErrorCode::INVALID_STATE: return 8;
  }
  return 1;
}

int report(const mreg::cli::Context& ctx, mreg::ErrorCode code, const std::string& message) {
  if (ctx.output == "json") {
    nlohmann::ordered_json j{{"error_code", mreg::error_code_name(code)}, {"message", message}};
    std::cerr << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    std::cerr << "mreg: error: " << message << "\n";
  }
  return exit_code(code);
}

// Every argument must be UTF-8 text: what a write stores from one, reads must take back (and
// JSON output must be able to print). The first that is not, named by the option it belongs to.
std::optional<std::string> argument_problem(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::string problem = mreg::text_problem(arg);
    if (problem.empty()) continue;
    std::string name = "argument " + std::to_string(i);
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) name = arg.substr(0, arg.find('='));
    else if (i > 1 && argv[i - 1][0] == '-' && argv[i - 1][1] != '\0' && mreg::text_problem(argv[i - 1]).empty())
      name = std::string(argv[i - 1]) + " (argument " + std::to_string(i) + ")";
    if (!mreg::text_problem(name).empty()) name = "argument " + std::to_string(i);
    return "the value of " + name + " " + problem + "; arguments must be UTF-8 text (nothing was written)";
  }
  return std::nullopt;
}

// "-o json" / "--output json" / "--output=json" / "-ojson" among the arguments (for the
// errors found before they are parsed).
bool json_output_asked(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-ojson" || a == "--output=json") return true;
    if ((a == "-o" || a == "--output") && i + 1 < argc && std::string(argv[i + 1]) == "json") return true;
  }
  return false;
}

// A usage error (exit 2): JSON on stderr with -o json, else the message and where help is.
int usage_error(mreg::cli::Context& ctx, int argc, char** argv, const std::string& message) {
  if (json_output_asked(argc, argv)) {
    ctx.output = "json";
    return report(ctx, mreg::ErrorCode::BAD_REQUEST, message);
  }
  std::cerr << "mreg: error: " << message << "\nRun 'mreg --help' (or 'mreg COMMAND --help') for usage.\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // A command lives for milliseconds: buffers up to a few MB (a 10,000-model models/ tree is
  // 390 KB, and a walk over history reads one per commit) come from the heap and are reused,
  // instead of a fresh mapping each whose every page faults in. Nothing is given back early.
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mreg::cli::Context ctx;
  CLI::App app{"mreg: a model registry kept in a git repository", "mreg"};
  app.footer("Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid value, 4 not found,\n"
             "5 already exists, 6 conflict, 7 permission denied, 8 not a registry or invalid files.");
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", "mreg " MREG_VERSION);
  mreg::cli::add_global_options(app, ctx);
  mreg::cli::add_commands(app, ctx, argc, argv);
  mreg::cli::add_completion_commands(app, ctx);  // reads the commands built above
  mreg::cli::show_progress_on_terminal();

  if (auto problem = argument_problem(argc, argv)) {
    if (json_output_asked(argc, argv)) ctx.output = "json";
    return report(ctx, mreg::ErrorCode::INVALID_PARAMETER_VALUE, *problem);
  }

  if (auto unknown = mreg::cli::unknown_command(app, argc, argv)) return usage_error(ctx, argc, argv, *unknown);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // An unknown word where a command belongs shows up as a missing subcommand; name the word.
    std::string message = e.what();
    const auto rest = app.remaining(true);
    if (!rest.empty() && message.find("subcommand is required") != std::string::npos)
      message = "unknown command '" + rest.front() + "'";
    return usage_error(ctx, argc, argv, message);
  } catch (const mreg::DryRun& e) {
    mreg::cli::print_dry_run(e.commit(), ctx.format());
  } catch (const mreg::Error& e) {
    return report(ctx, e.code(), e.what());
  } catch (const std::exception& e) {
    return report(ctx, mreg::ErrorCode::INTERNAL_ERROR, std::string("internal error: ") + e.what());
  }
  return 0;
}
