// Internals shared by pull, push and writes that go to a remote.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "git.h"
#include "mreg/remote_target.h"

namespace mreg {

// "refs/remotes/<remote>/<branch>": where the remote branch is kept after a fetch.
std::string tracking_ref(const PushTarget& target);

// Fetches the remote branch (and the tags that point into it) into its tracking
// ref, one process at a time per repository; returns its tip and what the remote
// advertised. RESOURCE_DOES_NOT_EXIST when the remote has no such branch.
git::Oid fetch_branch(git::Repository& repo, const PushTarget& target, bool all_tags,
                      git::Repository::Advertised* advertised = nullptr);

// Moves `branch` forward to `tip` (a descendant), with the work tree's files that
// change; returns the commit it pointed at. RESOURCE_CONFLICT when `branch` has commits
// `tip` lacks, has moved meanwhile, or uncommitted changes are in the way.
std::optional<git::Oid> fast_forward(git::Repository& repo, const std::string& branch, const git::Oid& tip,
                                     const std::string& upstream_name);

// Pushes tags (by name) that exist here; returns the names sent. A tag the remote
// refuses is a warning: 'mreg tags sync' and 'mreg push' send it later.
std::vector<std::string> push_tags(git::Repository& repo, const PushTarget& target,
                                   const std::vector<std::string>& names);

// For Registry::init with a push target: the remote branch's tip (nullopt when the
// remote has no such branch yet), after checking that a registry can be made on
// `local`: RESOURCE_ALREADY_EXISTS when the remote branch has mreg.yaml,
// RESOURCE_CONFLICT when it has commits `local` lacks.
std::optional<git::Oid> check_remote_for_init(git::Repository& repo, const std::optional<git::Oid>& local,
                                              const PushTarget& target, const std::string& config_path);
// Pushes `commit` to the remote branch (which must still be at `remote_tip`), then
// moves `branch` from `local` to it and makes the remote branch its upstream when it
// has none. RESOURCE_CONFLICT, with nothing moved here, when the remote refuses.
void publish_branch(git::Repository& repo, const std::string& branch, const git::Oid& commit,
                    const std::optional<git::Oid>& local, const std::optional<git::Oid>& remote_tip,
                    const PushTarget& target);

}  // namespace mreg
