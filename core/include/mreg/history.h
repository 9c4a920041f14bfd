// The registry's activity, read from git history: every commit says what it
// did in its Mreg-* trailers; a commit made by hand with plain git is read by
// comparing its tree with its parent's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mreg/registry.h"

namespace mreg {

struct Event {
  std::string commit;  // hex id of the commit that made it
  Timestamp time = 0;  // the commit's author time
  std::string author;  // "Name <email>"
  std::string type;    // see docs/cli.md, "Event"
  std::string model;
  std::int64_t version = 0;  // 0 when the event is about the model
  std::string from, to;      // stages, versions (aliases) or names (renames)
  std::string alias, key, value, comment;
  std::string request;              // the request it made, closed or acted on
  std::string path;                 // edited: the file
  std::vector<std::string> fields;  // edited: what changed
};

struct LogQuery {
  std::string model;          // empty: every model
  std::int64_t version = 0;   // 0: every version
  std::optional<Timestamp> since, until;
  std::string stage;          // only moves from or into this stage
  std::vector<std::string> types;  // only events of these types (Event::type); empty: every type
  std::string author;         // only events whose author contains this, ignoring case
  std::size_t limit = 0;      // 0: no limit
};

// Events reachable from `rev`, newest first; a model is followed across renames.
std::vector<Event> read_log(const Registry& registry, const std::string& rev, const LogQuery& query);

struct StageInterval {
  std::string stage;
  std::int64_t version = 0;
  Timestamp since = 0;
  std::optional<Timestamp> until;  // nullopt while it is still there
  std::string since_commit, until_commit;
};

// Which version was in which stage, over time, oldest first.
std::vector<StageInterval> stage_history(const Registry& registry, const std::string& rev,
                                         const std::string& model, const std::string& stage);

struct RequestState {
  TransitionRequest request;
  std::string outcome = "open";  // open, rejected, cancelled, applied
  std::string closed_by, closed_commit, closed_comment;
  std::size_t approval_files = 0;
  // Rejections and cancellations that do not count (unsigned, or by someone not
  // entitled to close a request a rule governs): "COMMIT_OR_PATH: why".
  std::vector<std::string> ignored_closings;
};

// Every request of `model` (every model when empty) with its outcome, oldest first.
// A request that a rule of the policy (trusted from `trusted_root`; empty: as
// found) governs is rejected or cancelled only by a signed closing file of
// someone entitled to it; other requests by the commits that close them.
std::vector<RequestState> request_states(const Registry& registry, const std::string& rev, const std::string& model,
                                         const std::string& trusted_root = "");

// The events of the commits in `range` ("A..B"), oldest first.
std::vector<Event> events_in_range(const Registry& registry, const std::string& range);

}  // namespace mreg

#include "mreg/mlflow_json.h"

namespace mreg {

// docs/cli.md, "Event" and "Interval".
OrderedJson to_json(const Event& e);
OrderedJson to_json(const StageInterval& i);
// The registry webhook payloads (Databricks' shape) an event stands for; none for some.
std::vector<OrderedJson> webhook_payloads(const Event& e);

}  // namespace mreg
