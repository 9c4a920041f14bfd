// Where each request's registry comes from: the ref is resolved once per
// request, so a response is computed from one commit and a moved ref (a push,
// a fetch into a mirror) is seen by the next request without a restart.
#pragma once

#include <mutex>
#include <string>

#include "mreg/registry.h"

namespace mreg::server {

// What one request reads: the registry (for history) and the snapshot of the
// commit the ref named when the request came in.
struct View {
  const Registry& registry;
  Snapshot snapshot;
  // The commit as a revision for history reads (read_log and friends), so
  // that they read the same commit as the snapshot.
  const std::string& rev() const { return snapshot.commit_id(); }
};

class SnapshotSource {
 public:
  SnapshotSource(std::string repo_path, std::string ref);
  // Opens the repository and resolves the ref once, so that a bad --repo or
  // --ref is reported at start rather than on the first request.
  void check() const;
  // Each server thread opens the repository once (libgit2 handles are not
  // shared between threads) and resolves the ref anew on every call.
  View current() const;

 private:
  std::string repo_path_;
  std::string ref_;
  // The ref's full name, found once: resolving "main" tries refs/main, refs/tags/main
  // and more before refs/heads/main, each a file lookup, on every request.
  mutable std::once_flag named_;
  mutable std::string spec_;
};

}  // namespace mreg::server
