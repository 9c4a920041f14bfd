// A registry and its remotes: pull, push, and reading a remote without a work tree.
// Remote URLs are git's: local paths, file://, git://, http(s):// and ssh://.
// Writes that go to a remote are WriteOptions::push (registry.h).
#pragma once

#include <string>
#include <vector>

#include "mreg/registry.h"
#include "mreg/remote_target.h"

namespace mreg {

// The remote branch the branch HEAD names follows: its upstream
// (branch.<name>.remote and .merge), else "origin" and the same name.
PushTarget default_push_target(const Registry& registry);

struct PullResult {
  std::string before, after;  // commits of the local branch; equal when it was up to date
};
// Fetches the remote branch (and the remote's tags), then fast-forwards the branch
// HEAD names to it, with the work tree. RESOURCE_CONFLICT when the branches have
// diverged or uncommitted changes are in the way.
PullResult pull(Registry& registry, const PushTarget& from);

struct PushResult {
  std::string commit;             // what the remote branch points at now
  std::vector<std::string> tags;  // mreg's tags that were sent
};
// Sends the branch HEAD names to the remote branch as a fast-forward, then mreg's
// tags (NAME@vN, NAME#stage#K) that the remote does not have. RESOURCE_CONFLICT
// when the remote has commits this branch does not.
PushResult push(Registry& registry, const PushTarget& to);

struct TagSync {
  std::vector<std::string> created;  // tags made here now
  std::vector<std::string> pushed;   // tags sent to the remote
};
// Registry::sync_tags for the remote branch's history: fetches the branch and the
// remote's tags, makes the tags missing here, then pushes every tag of that history
// that the remote lacks (made now or before). PERMISSION_DENIED when the remote
// refuses one.
TagSync sync_tags(Registry& registry, const PushTarget& to);

// url with any password in it shown as ***, for messages and logs.
std::string redacted_url(const std::string& url);

// Where `mreg --remote URL` keeps its bare copy of the remote:
// $XDG_CACHE_HOME/mreg/remotes/<sha256 of the URL>.git, else ~/.cache/mreg/remotes/...
std::string remote_cache_path(const std::string& url);
// The registry at URL, read through that copy after fetching it; its HEAD is the
// remote's default branch. A write through it with push = {"origin", branch}
// goes to the remote, with credentials.with_password_of(url). The copy's
// configuration keeps the URL without its password.
Registry open_remote(const std::string& url, const RemoteCredentials& credentials);

}  // namespace mreg
