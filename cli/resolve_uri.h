// What `mreg resolve` and `mreg download` share: the version a models:/ URI
// names, read at --ref (or --at), or through the deploy gate with --verified.
#pragma once

#include <string>

#include "context.h"

namespace mreg::cli {

struct UriArgs {
  std::string uri, at, branch;
  bool verified = false;
};

// Adds --at, --verified and --branch to a command that takes a URI.
void add_uri_options(CLI::App& command, UriArgs& args);

// Opens the registry (after checking the options). With --verified: the deploy
// gate's problems on stderr, then PERMISSION_DENIED (exit 7); when it passes, a
// "verified: ..." line on stderr (unless quiet).
ModelVersion resolve_uri(const Context& ctx, const UriArgs& args);

}  // namespace mreg::cli
