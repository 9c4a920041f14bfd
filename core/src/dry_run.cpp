// The commit a write would make, for a dry run (mreg/dry_run.h).
#include "dry_run_preview.h"

#include "registry_impl.h"

namespace mreg {

CommitPreview preview_commit(const git::Repository* repo, const std::string& branch,
                             const std::optional<git::Oid>& tip, const Identity& author,
                             const PlannedCommit& plan, const FileChanges& changes, const ReadOld& read_old,
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
  for (const auto& [path, content] : changes) {
    const std::optional<std::string> before = read_old(path);
    if (!before && !content) continue;  // removing what is not there
    if (before && content && *before == *content) continue;
    FileChange f;
    f.path = path;
    f.change = !before ? "added" : !content ? "deleted" : "modified";
    f.diff = git::unified_diff(path, before, content);
    c.files.push_back(std::move(f));
  }
  return c;
}

}  // namespace mreg
