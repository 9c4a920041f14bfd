// CLI11 builds every option of every command it is given, which cost a fifth of a fresh start
// (bench/startup-results.md): the command line is looked at first, and only the commands of
// the group its command word belongs to are built. Help, completion and an unknown or missing
// command word get every group (`completion` is not in a group), so what they list is the whole
// command set.
#include <cstring>
#include <initializer_list>

#include "context.h"

namespace mreg::cli {
namespace {

struct Group {
  std::initializer_list<const char*> words;  // the top-level commands that `add` adds
  void (*add)(CLI::App&, Context&);
};

// In the order `mreg --help` lists them. A word missing here only costs time (every group is
// built); a word under the wrong group fails tests/e2e_docs.cpp, which runs `mreg WORD --help`.
const Group groups[] = {
    {{"init", "check"}, add_registry_commands},
    {{"serve"}, add_serve_commands},
    {{"model"}, add_model_commands},
    {{"register"}, add_register_command},
    {{"version"}, add_version_commands},
    {{"stage", "alias", "latest", "resolve", "tags"}, add_lifecycle_commands},
    {{"log", "stage-history", "comment", "events"}, add_activity_commands},
    {{"request", "status", "reject", "cancel"}, add_request_commands},
    {{"approve", "verify", "apply"}, add_approval_commands},
    {{"policy"}, add_policy_commands},
    {{"search"}, add_search_commands},
    {{"import", "export"}, add_mlflow_commands},
    {{"pull", "push"}, add_remote_commands},
    {{"download"}, add_download_commands},
    {{"review", "compare"}, add_review_commands},
    {{"copy"}, add_copy_commands},
};

// The global options (add_global_options) that take a value as the next argument.
bool takes_value(const char* arg) {
  for (const char* o : {"--repo", "--ref", "-o", "--output", "--author", "--trusted-root", "--remote"})
    if (std::strcmp(arg, o) == 0) return true;
  return false;
}

// The group of the first argument that is neither a global option nor its value; null when
// there is none, it is unknown, or help is asked for before it.
const Group* group_named(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "-h") == 0 || std::strcmp(arg, "--help") == 0) return nullptr;
    if (arg[0] == '-') {
      if (takes_value(arg)) ++i;
      continue;
    }
    for (const Group& g : groups)
      for (const char* word : g.words)
        if (std::strcmp(arg, word) == 0) return &g;
    return nullptr;
  }
  return nullptr;
}

// Only version asked for (`mreg --version`): no command is needed to answer it.
bool only_version(int argc, char** argv) {
  bool version = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") != 0 && std::strcmp(argv[i], "-V") != 0) return false;
    version = true;
  }
  return version;
}

}  // namespace

void add_commands(CLI::App& app, Context& ctx, int argc, char** argv) {
  if (only_version(argc, argv)) return;
  if (const Group* g = group_named(argc, argv)) return g->add(app, ctx);
  for (const Group& g : groups) g.add(app, ctx);
}

}  // namespace mreg::cli
