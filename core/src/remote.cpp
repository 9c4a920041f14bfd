#include "mreg/remote.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "file_lock.h"
#include "mreg/model_dir.h"
#include "mreg/sha256.h"
#include "registry_impl.h"
#include "remote_impl.h"
#include "worktree.h"
#include "text.h"

namespace mreg {
namespace {

std::string short_branch(const std::string& ref) {
  const std::string heads = "refs/heads/";
  return ref.rfind(heads, 0) == 0 ? ref.substr(heads.size()) : ref;
}

std::string current_branch(const git::Repository& repo) {
  const auto branch = repo.head_branch();
  if (!branch) throw Error(ErrorCode::INVALID_STATE, "HEAD is detached: check out a branch first");
  return *branch;
}

}  // namespace

RemoteCredentials RemoteCredentials::from_environment() {
  RemoteCredentials c;
  c.ssh_key = env_or_empty("MREG_SSH_KEY");
  c.ssh_passphrase = env_or_empty("MREG_SSH_KEY_PASSPHRASE");
  c.username = env_or_empty("MREG_GIT_USERNAME");
  c.token = env_or_empty("MREG_GIT_TOKEN");
  return c;
}

RemoteCredentials RemoteCredentials::with_password_of(const std::string& url) const {
  RemoteCredentials c = *this;
  std::string password;
  git::strip_password(url, &password);
  if (!password.empty()) c.token = password;
  return c;
}

std::string redacted_url(const std::string& url) { return git::redact_url(url); }

std::string tracking_ref(const PushTarget& target) { return "refs/remotes/" + target.remote + "/" + target.branch; }

git::Oid fetch_branch(git::Repository& repo, const PushTarget& target, bool all_tags,
                      git::Repository::Advertised* advertised) {
  repo.require_full_history();  // a push from a shallow clone cannot pack what the remote lacks
  const std::string ref = tracking_ref(target);
  git::Repository::Advertised seen;
  {
    // Fetches into one repository take turns: each moves the same refs.
    FileLock lock(repo.git_dir() + "mreg-fetch.lock");
    seen = repo.fetch(target.remote, {"+refs/heads/" + target.branch + ":" + ref}, target.credentials, all_tags);
  }
  const auto tip = seen.refs.find("refs/heads/" + target.branch);
  if (tip == seen.refs.end())
    throw Error(ErrorCode::RESOURCE_DOES_NOT_EXIST,
                "the remote " + target.remote + " has no branch '" + target.branch + "'");
  if (advertised) *advertised = std::move(seen);
  return tip->second;
}

std::optional<git::Oid> fast_forward(git::Repository& repo, const std::string& branch, const git::Oid& tip,
                                     const std::string& upstream_name) {
  const auto before = repo.ref_target(branch);
  if (before == tip) return before;
  if (before && !repo.is_ancestor(*before, tip))
    throw Error(ErrorCode::RESOURCE_CONFLICT, short_branch(branch) + " has commits that " + upstream_name +
                                                  " does not have: the branches have diverged");
  const std::vector<std::string> paths =
      repo.changed_paths(before ? std::optional<git::Oid>(repo.read_commit(*before).tree) : std::nullopt,
                         repo.read_commit(tip).tree);
  if (!repo.is_bare()) refuse_dirty_paths(repo, paths);
  if (move_branch(repo, branch, before, tip, paths, [&] {
        return repo.update_ref(branch, tip, before, "mreg: fast-forward to " + upstream_name);
      }) != git::Repository::RefUpdate::Updated)
    throw Error(ErrorCode::RESOURCE_CONFLICT, short_branch(branch) + " moved meanwhile; run the command again");
  return before;
}

namespace {

// The tags among `names` that exist here, as pushes that create them on the remote.
std::vector<git::RefPush> tag_pushes(const git::Repository& repo, const std::vector<std::string>& names) {
  std::vector<git::RefPush> updates;
  for (const auto& name : names)
    if (auto oid = repo.ref_target("refs/tags/" + name)) updates.push_back({"refs/tags/" + name, *oid, std::nullopt});
  return updates;
}

const git::PushRejection* rejection_of(const std::vector<git::PushRejection>& rejected, const std::string& ref) {
  for (const auto& r : rejected)
    if (r.ref == ref) return &r;
  return nullptr;
}

}  // namespace

std::vector<std::string> push_tags(git::Repository& repo, const PushTarget& target,
                                   const std::vector<std::string>& names) {
  const auto updates = tag_pushes(repo, names);
  std::vector<std::string> sent;
  try {
    const auto rejected = repo.push(target.remote, updates, target.credentials);
    for (const auto& u : updates) {
      if (const auto* r = rejection_of(rejected, u.dst))
        std::fprintf(stderr, "mreg: warning: the remote refused %s (%s)\n", r->ref.c_str(), r->reason.c_str());
      else
        sent.push_back(u.dst.substr(10));
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "mreg: warning: tags not pushed (%s); 'mreg push' sends them later\n", e.what());
  }
  return sent;
}

TagSync sync_tags(Registry& registry, const PushTarget& to) {
  git::Repository& repo = *registry.impl().repo;
  git::Repository::Advertised advertised;
  const git::Oid tip = fetch_branch(repo, to, true, &advertised);
  TagSync result;
  std::vector<std::string> derived;
  result.created = sync_tags_at(registry.impl(), tip, &derived);
  std::vector<std::string> missing;
  for (const auto& name : derived)
    if (!advertised.refs.count("refs/tags/" + name)) missing.push_back(name);
  const auto updates = tag_pushes(repo, missing);
  // Unlike the tags of a write, these are the command's whole point: a refusal fails it.
  const auto rejected = repo.push(to.remote, updates, to.credentials);
  for (const auto& u : updates)
    if (!rejection_of(rejected, u.dst)) result.pushed.push_back(u.dst.substr(10));
  if (!rejected.empty())
    throw Error(ErrorCode::PERMISSION_DENIED,
                "the remote refused " + rejected.front().ref + " (" + rejected.front().reason + ")" +
                    (result.pushed.empty() ? "" : "; " + std::to_string(result.pushed.size()) + " other tags were pushed"));
  return result;
}

std::optional<git::Oid> check_remote_for_init(git::Repository& repo, const std::optional<git::Oid>& local,
                                              const PushTarget& target, const std::string& config_path) {
  std::optional<git::Oid> remote_tip;
  try {
    remote_tip = fetch_branch(repo, target, false);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::RESOURCE_DOES_NOT_EXIST) throw;  // a new branch on the remote
  }
  if (!remote_tip) return std::nullopt;
  const std::string upstream = target.remote + "/" + target.branch;
  if (repo.tree_entry(repo.read_commit(*remote_tip).tree, config_path))
    throw_exists("already a registry: " + upstream + " has mreg.yaml (clone it instead)");
  if (!local || !repo.is_ancestor(*remote_tip, *local))
    throw Error(ErrorCode::RESOURCE_CONFLICT,
                upstream + " has commits that the branch does not have: bring them in first (git pull)");
  return remote_tip;
}

void publish_branch(git::Repository& repo, const std::string& branch, const git::Oid& commit,
                    const std::optional<git::Oid>& local, const std::optional<git::Oid>& remote_tip,
                    const PushTarget& target) {
  const std::string upstream = target.remote + "/" + target.branch;
  const auto rejected =
      repo.push(target.remote, {{"refs/heads/" + target.branch, commit, remote_tip}}, target.credentials);
  if (!rejected.empty()) {
    std::optional<git::Oid> now;
    try {
      now = fetch_branch(repo, target, false);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::RESOURCE_DOES_NOT_EXIST) throw;
    }
    if (now == remote_tip)  // nobody moved it: a hook or a protected branch says no
      throw Error(ErrorCode::PERMISSION_DENIED,
                  "the remote refused the push to " + upstream + ": " + rejected.front().reason);
    throw Error(ErrorCode::RESOURCE_CONFLICT,
                upstream + " moved meanwhile; nothing was written: bring it in (git pull), then try again");
  }
  repo.set_ref(tracking_ref(target), commit, "mreg: push");
  if (repo.update_ref(branch, commit, local, "mreg: init registry") != git::Repository::RefUpdate::Updated)
    throw Error(ErrorCode::RESOURCE_CONFLICT, short_branch(branch) + " moved while the registry was being made; " +
                                                  upstream + " has the registry: 'mreg pull' brings it here");
  // As `git push -u` does, so that pull, push and later writes find the remote branch.
  const std::string name = short_branch(branch);
  if (!repo.config_string("branch." + name + ".remote")) {
    repo.set_config_string("branch." + name + ".remote", target.remote);
    repo.set_config_string("branch." + name + ".merge", "refs/heads/" + target.branch);
  }
}

PushTarget default_push_target(const Registry& registry) {
  const git::Repository& repo = *registry.impl().repo;
  const std::string name = short_branch(current_branch(repo));
  PushTarget target;
  target.branch = name;
  if (auto remote = repo.config_string("branch." + name + ".remote"); remote && *remote != ".") target.remote = *remote;
  if (auto merge = repo.config_string("branch." + name + ".merge")) target.branch = short_branch(*merge);
  return target;
}

PullResult pull(Registry& registry, const PushTarget& from) {
  git::Repository& repo = *registry.impl().repo;
  const std::string branch = current_branch(repo);
  std::unique_ptr<FileLock> lock;
  if (!repo.is_bare()) {
    lock = std::make_unique<FileLock>(repo.git_dir() + "mreg-write.lock");
    recover_worktree(repo);
  }
  const git::Oid tip = fetch_branch(repo, from, true);
  const auto before = fast_forward(repo, branch, tip, from.remote + "/" + from.branch);
  registry.impl().last_commit = tip.hex();
  return PullResult{before ? before->hex() : "", tip.hex()};
}

PushResult push(Registry& registry, const PushTarget& to) {
  git::Repository& repo = *registry.impl().repo;
  const std::string branch = current_branch(repo);
  const auto local = repo.ref_target(branch);
  if (!local) throw Error(ErrorCode::INVALID_STATE, short_branch(branch) + " has no commits: nothing to push");
  git::Repository::Advertised advertised;
  std::optional<git::Oid> remote_tip;
  try {
    remote_tip = fetch_branch(repo, to, false, &advertised);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::RESOURCE_DOES_NOT_EXIST) throw;  // a new branch on the remote
  }
  if (remote_tip && !repo.is_ancestor(*remote_tip, *local))
    throw Error(ErrorCode::RESOURCE_CONFLICT, to.remote + "/" + to.branch + " has commits that " +
                                                  short_branch(branch) + " does not have: run 'mreg pull' first");
  const std::string dst = "refs/heads/" + to.branch;
  if (remote_tip != local) {
    const auto rejected = repo.push(to.remote, {{dst, *local, remote_tip}}, to.credentials);
    if (!rejected.empty())
      throw Error(ErrorCode::RESOURCE_CONFLICT, "the remote refused " + dst + " (" + rejected.front().reason +
                                                    "): run 'mreg pull', then push again");
    repo.set_ref(tracking_ref(to), *local, "mreg: push");
  }
  std::vector<std::string> missing;
  for (const char* pattern : {"*@v*", "*#*#*"})
    for (const auto& name : repo.tag_names(pattern))
      if (!advertised.refs.count("refs/tags/" + name)) missing.push_back(name);
  return PushResult{local->hex(), push_tags(repo, to, missing)};
}

std::string remote_cache_path(const std::string& url) {
  std::string root = env_or_empty("XDG_CACHE_HOME");
  if (root.empty()) {
    const std::string home = env_or_empty("HOME");
    if (home.empty()) throw Error(ErrorCode::INVALID_STATE, "neither XDG_CACHE_HOME nor HOME is set: no place for the cache of --remote");
    root = home + "/.cache";
  }
  // The URL without a password, so that a changed token keeps the same cache.
  return root + "/mreg/remotes/" + sha256_hex(git::redact_url(url)) + ".git";
}

Registry open_remote(const std::string& url, const RemoteCredentials& credentials) {
  if (url.empty()) throw Error(ErrorCode::INVALID_PARAMETER_VALUE, "the remote's URL is empty");
  const std::string path = remote_cache_path(url);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  {
    // One refresh at a time; readers that come meanwhile find it fresh.
    FileLock lock(path + ".lock");
    std::error_code ec;
    git::Repository repo = std::filesystem::exists(path + "/HEAD", ec) ? git::Repository::open(path)
                                                                        : git::Repository::init(path, true);
    // A password in the URL is used, never written into the copy's configuration.
    repo.set_remote_url("origin", git::strip_password(url, nullptr));
    // No pruning: a write through this copy makes its tags here before it pushes them.
    const auto advertised = repo.fetch("origin", {"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"},
                                       credentials.with_password_of(url), true);
    std::string branch = advertised.default_branch;
    if (branch.empty() && advertised.refs.count("refs/heads/main")) branch = "refs/heads/main";
    if (branch.empty())
      throw Error(ErrorCode::INVALID_STATE, git::redact_url(url) + " has no default branch: not a registry");
    const auto tip = repo.ref_target("refs/remotes/origin/" + short_branch(branch));
    if (!tip) throw Error(ErrorCode::INVALID_STATE, git::redact_url(url) + " has no commits: not a registry");
    // The copy is the remote's: its branch follows the remote, even a rewound one.
    repo.set_ref(branch, *tip, "mreg: refresh from the remote");
    repo.set_head(branch);
  }
  return Registry::open(path);
}

}  // namespace mreg
