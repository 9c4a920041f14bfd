// One model's share of the history, for the deploy gate (mreg/model-history/<id>.bin in the
// git directory, one file per model, <id> the SHA-256 of its name): the commits reachable
// from a tip whose events name the model, in the order a history walk gives them, with
// their events. The gate needs these alone (the requests applied, the versions moved), and
// loading the history index of every commit was the largest part of its cost at 10,000
// models. A later tip whose first parents reach the file's tip through commits with one
// parent each (the usual next deployment) reads only those commits from git; any other tip
// reads the index. Written whole and renamed into place, checksummed, keyed by commit ids:
// never stale, only replaced by the history at another tip; a damaged file is not used.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "git.h"
#include "mreg/history.h"

namespace mreg {

struct ModelCommit {
  git::Oid oid;
  Timestamp committer_time = 0;
  std::vector<Event> events;  // every event of the commit, not only the model's
};

struct ModelHistoryFile {
  git::Oid tip;
  std::vector<ModelCommit> commits;

  // nullopt when there is no file for the model, or it is damaged or of another format.
  static std::optional<ModelHistoryFile> load(const std::string& git_dir, const std::string& model);
  // A failure to write only costs speed next time.
  void save(const std::string& git_dir, const std::string& model) const;
};

}  // namespace mreg
