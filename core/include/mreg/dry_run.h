// A write's dry run (WriteOptions::dry_run): the commit it would make, with nothing written.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mreg {

// One file the commit would change.
struct FileChange {
  std::string path;
  std::string change;  // "added", "modified" or "deleted"
  std::string diff;    // unified diff, as `git diff` prints it
};

// The commit a write would make: its message, where it would go, and its changes.
struct CommitPreview {
  std::string branch;  // the branch it would move (short name)
  std::string parent;  // the commit it would follow; empty for a branch's first commit
  std::string author;  // "Name <email>"
  std::string summary;
  std::string body;    // the comment between summary and trailers; often empty
  std::vector<std::pair<std::string, std::string>> trailers;
  std::vector<std::string> tags;  // the annotated tags it would make
  std::vector<FileChange> files;
};

// Thrown by a write with WriteOptions::dry_run where it would commit, before anything is
// written: it ends the command there, so that nothing after the write (printing its result,
// a webhook, a second commit) happens either. commit() is empty when the write would change
// nothing.
class DryRun : public std::exception {
 public:
  explicit DryRun(std::optional<CommitPreview> commit) : commit_(std::move(commit)) {}
  const std::optional<CommitPreview>& commit() const { return commit_; }
  const char* what() const noexcept override { return "dry run: nothing written"; }

 private:
  std::optional<CommitPreview> commit_;
};

}  // namespace mreg
