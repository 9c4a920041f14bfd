#include "snapshot_source.h"

#include <map>
#include <memory>

namespace mreg::server {

SnapshotSource::SnapshotSource(std::string repo_path, std::string ref)
    : repo_path_(std::move(repo_path)), ref_(std::move(ref)) {}

void SnapshotSource::check() const { current(); }

View SnapshotSource::current() const {
  thread_local std::map<std::string, std::unique_ptr<Registry>> opened;
  auto& registry = opened[repo_path_];
  if (!registry) registry = std::make_unique<Registry>(Registry::open(repo_path_));
  std::call_once(named_, [&] {
    const auto full = registry->ref_name(ref_);
    spec_ = full ? *full : ref_;
  });
  return View{*registry, registry->at(spec_)};
}

}  // namespace mreg::server
