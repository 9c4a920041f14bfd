// The commit a write would make, for a dry run (mreg/dry_run.h).
#include "dry_run_preview.h"

#include "registry_impl.h"

namespace mreg {

CommitPreview preview_commit(const git::Repository* repo, const std::string& branch,
                             const std::optional<git::Oid>& tip, const Identity& author,
                             const PlannedCommit& plan, const FileChanges& changes, const Snapshot* base,
                             bool create_tags) {
  CommitPreview c;
  c.branch = branch.rfind("refs/heads/", 0) == 0 ? branch.substr(11) : branch;
  c.parent = tip ? tip->hex() : "";
  c.author = author.display();
  c.summary = plan.summary;
  c.body = plan.body;
  c.trailers = plan.trailers;
  if (create_tags) {
    for (const auto& [name, message] : plan.tags) c.tags.push_back(name);
    // The number the real write gives: one more than the moves into the stage so far.
    if (plan.stage_tag && tip && repo) {
      const auto& t = *plan.stage_tag;
      c.tags.push_back(stage_tag_prefix(t.model, t.stage) +
                       std::to_string(stage_move_number(*repo, *tip, t.model, t.stage) + 1));
    }
  }
  auto add = [&](const std::string& path, const std::optional<std::string>& before,
                 const std::optional<std::string>& after) {
    if (before == after) return;
    c.files.push_back({path, !before ? "added" : !after ? "deleted" : "modified", git::unified_diff(path, before, after)});
  };
  for (const auto& [path, content] : changes) {
    const std::optional<std::string> before = base ? base->read_file(path) : std::nullopt;
    if (!before && !content && base) {
      for (const auto& file : base->list_files(path)) add(file, base->read_file(file), std::nullopt);  // a folder
      continue;
    }
    add(path, before, content);
  }
  return c;
}

}  // namespace mreg
