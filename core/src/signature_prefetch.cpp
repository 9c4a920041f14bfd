#include "signature_prefetch.h"

#include <utility>
#include <vector>

#include "mreg/policy.h"
#include "mreg/problem.h"
#include "mreg/ssh_signature.h"
#include "text.h"

namespace mreg {

SignaturePrefetch::SignaturePrefetch(std::string git_dir, const git::Oid& commit) {
  if (std::thread::hardware_concurrency() < 2) return;
  thread_ = std::thread([this, dir = std::move(git_dir), commit] { run(dir, commit); });
}

SignaturePrefetch::~SignaturePrefetch() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

namespace {

const git::TreeEntry* find(const std::vector<git::TreeEntry>& entries, const std::string& name, git::ObjectType type) {
  for (const auto& e : entries)
    if (e.name == name && e.type == type) return &e;
  return nullptr;
}

// `<stem>` and `<stem>.sig` of one folder, each pair checked in `ns`.
void check_pairs(const git::Repository& repo, const std::vector<git::TreeEntry>& entries, const std::string& suffix,
                 const char* ns, const std::atomic<bool>& stop) {
  for (const auto& e : entries) {
    if (stop) return;
    if (e.type != git::ObjectType::Blob || !ends_with(e.name, suffix)) continue;
    const git::TreeEntry* sig = find(entries, e.name + ".sig", git::ObjectType::Blob);
    if (!sig) continue;
    // Sizes as verify reads them: bigger files are refused there, not checked here.
    const auto size = repo.blob_size(e.oid), sig_size = repo.blob_size(sig->oid);
    if (!size || !sig_size || *size > kMaxRegistryFileBytes || *sig_size > kMaxRegistryFileBytes) continue;
    verify_ssh_signature(repo.read_blob(sig->oid), repo.read_blob(e.oid), ns);
  }
}

}  // namespace

// Models in reverse order of name: verify goes forward, so the two meet in the middle
// rather than check the same signatures.
void SignaturePrefetch::run(const std::string& git_dir, const git::Oid& commit) {
  try {
    const git::Repository repo = git::Repository::open(git_dir);
    const auto models = repo.tree_entry(repo.read_commit(commit).tree, "models");
    if (!models || models->type != git::ObjectType::Tree) return;
    const auto folders = repo.read_tree(models->oid);
    for (auto it = folders.rbegin(); it != folders.rend() && !stop_; ++it) {
      if (it->type != git::ObjectType::Tree) continue;
      const auto inside = repo.read_tree(it->oid);
      if (const auto* requests = find(inside, "requests", git::ObjectType::Tree))
        check_pairs(repo, repo.read_tree(requests->oid), ".yaml", request_namespace(), stop_);
      if (const auto* approvals = find(inside, "approvals", git::ObjectType::Tree))
        for (const auto& request : repo.read_tree(approvals->oid))
          if (request.type == git::ObjectType::Tree && !stop_)
            check_pairs(repo, repo.read_tree(request.oid), ".approval", approval_namespace(), stop_);
    }
  } catch (...) {
    // verify reads every one of these files itself and reports what is wrong with them
  }
}

}  // namespace mreg
