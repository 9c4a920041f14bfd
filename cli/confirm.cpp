// --dry-run and --yes, the options of writes and deletes, and the question a delete asks.
#include <unistd.h>

#include <iostream>
#include <string>

#include "context.h"

namespace mreg::cli {

void add_dry_run_flag(CLI::App* cmd, Context& ctx) {
  cmd->add_flag("--dry-run", ctx.dry_run,
                "Print the commit this would make (message, tags, diff of the files) and write nothing");
}

void add_delete_flags(CLI::App* cmd, Context& ctx) {
  add_dry_run_flag(cmd, ctx);
  cmd->add_flag("-y,--yes", ctx.yes, "Delete without asking (needed when stdin or stderr is not a terminal)");
}

void confirm_delete(const Context& ctx, const std::string& what) {
  if (ctx.yes || ctx.dry_run) return;
  if (!::isatty(STDIN_FILENO) || !::isatty(STDERR_FILENO))
    throw Error(ErrorCode::BAD_REQUEST, "pass --yes to delete " + what +
                                            " (there is no terminal to ask on; nothing was written)");
  std::cerr << "Delete " << what << "? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "y" && answer != "Y" && answer != "yes" && answer != "YES")
    throw Error(ErrorCode::BAD_REQUEST, "not deleted: the answer was not yes (nothing was written)");
}

}  // namespace mreg::cli
