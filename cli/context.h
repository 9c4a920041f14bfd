// What every command shares: the global options, opening the registry, and
// turning them into core's read and write parameters.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "mreg/registry.h"
#include "output.h"

namespace mreg::cli {

struct Context {
  std::string repo;     // --repo, else $MREG_REPO, else "."
  std::string ref;      // --ref
  std::string author;   // --author "Name <email>"
  std::string output = "table";
  bool quiet = false;
  bool no_tags = false;
  std::string trusted_root;  // --trusted-root
  bool push = false;         // --push
  std::string remote;        // --remote URL
  bool dry_run = false;      // --dry-run (a write's own option)
  bool yes = false;          // --yes (a delete's own option)

  Format format() const;
  // format(), or Markdown: for the reports made to be posted (review, compare).
  Format report_format() const;
  // The registry at --repo; with --remote, the refreshed cache of that remote.
  Registry open() const;
  // The registry at --ref (HEAD when not given).
  Snapshot read(const Registry& r) const { return r.at(ref); }
  // Refuses --ref: writes go to the branch HEAD names (and, with --push or
  // --remote, to the remote branch it follows).
  WriteOptions write_options() const;
  // The registry at a git URL that a command writes to besides the one it reads (mreg copy
  // --to-remote): its refreshed cache, and in `opts` the push to it. --ref stays for reads.
  Registry open_write_target(const std::string& url, WriteOptions& opts) const;
  // The same, with the trusted policy root and git's commit signing, for
  // the writes of the approval flow.
  WriteOptions write_options(const Registry& r) const;
  // write_options() for `mreg init` in the folder `path`: with --push, the remote
  // branch of the repository there. Refuses --remote.
  WriteOptions init_write_options(const std::string& path) const;
  // --trusted-root, else $MREG_TRUSTED_ROOT, else git config mreg.trustedRoot.
  std::string trusted_root_for(const Registry& r) const;

 private:
  WriteOptions author_options() const;  // --author, tags and the push target of --push/--remote
  mutable std::optional<PushTarget> push_target_;  // set by open() with --push or --remote
};

// Adds the global options to `app` (and, through fallthrough, to its subcommands).
void add_global_options(CLI::App& app, Context& ctx);

// Every command that commits takes --dry-run: show the commit, write nothing (core stops the
// write with mreg::DryRun, which main prints).
void add_dry_run_flag(CLI::App* cmd, Context& ctx);
// A delete takes --dry-run and --yes, and calls confirm_delete before it writes.
void add_delete_flags(CLI::App* cmd, Context& ctx);
// Asks "Delete <what>? [y/N]" on a terminal (stdin and stderr both ttys) unless --yes or
// --dry-run; elsewhere refuses without --yes (BAD_REQUEST, exit 2). A "no" writes nothing (exit 2).
void confirm_delete(const Context& ctx, const std::string& what);

// "K=V" -> (K, V), split at the first '='.
TagMap parse_tags(const std::vector<std::string>& items, const std::string& option = "--tag");
std::int64_t version_arg(const std::string& text);

void add_registry_commands(CLI::App& app, Context& ctx);  // init, check
void add_serve_commands(CLI::App& app, Context& ctx);     // serve
void add_model_commands(CLI::App& app, Context& ctx);     // model ...
void add_register_command(CLI::App& app, Context& ctx);   // register
void add_version_commands(CLI::App& app, Context& ctx);   // version ...
void add_lifecycle_commands(CLI::App& app, Context& ctx); // stage, alias, latest, resolve, tags
void add_activity_commands(CLI::App& app, Context& ctx);  // log, stage-history, comment, events
void add_request_commands(CLI::App& app, Context& ctx);   // request, status, reject, cancel
void add_approval_commands(CLI::App& app, Context& ctx);  // approve, verify, apply
void add_policy_commands(CLI::App& app, Context& ctx);    // policy ...
void add_mlflow_commands(CLI::App& app, Context& ctx);    // import mlflow, export mlflow
void add_search_commands(CLI::App& app, Context& ctx);    // search models, search versions
void add_remote_commands(CLI::App& app, Context& ctx);    // pull, push
void add_download_commands(CLI::App& app, Context& ctx);  // download
void add_review_commands(CLI::App& app, Context& ctx);    // review, compare
void add_copy_commands(CLI::App& app, Context& ctx);      // copy
void add_completion_commands(CLI::App& app, Context& ctx);  // completion (after all the others)

// The commands the command line `argv` needs: those of the group its command word names
// (cli/command_groups.cpp), else all of them.
void add_commands(CLI::App& app, Context& ctx, int argc, char** argv);

// The commands the command line `argv` needs: those of the group its command word names
// (cli/command_groups.cpp), else all of them.
void add_commands(CLI::App& app, Context& ctx, int argc, char** argv);

}  // namespace mreg::cli
