// Value types of the registry: what mreg.yaml, model.yaml and versions/<n>.yaml
// hold (FORMAT.md), plus what readers derive from them (aliases of a version,
// latest versions per stage). Plain data; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mreg/problem.h"

namespace mreg {

using Json = nlohmann::json;

// Seconds since the Unix epoch, UTC: git's commit times, approvals' and policies' times.
using Timestamp = std::int64_t;
// Milliseconds since the Unix epoch, UTC: the times of models, versions and requests, which
// manifests store as RFC 3339 with milliseconds and MLflow keeps as numbers of milliseconds.
using TimestampMs = std::int64_t;

using TagMap = std::map<std::string, std::string>;

// Keys starting with "x-": kept as they are, in the order they were read.
using Extensions = std::vector<std::pair<std::string, Json>>;

struct RegistryConfig {
  int format = 1;
  std::string registry;  // the id approvals are bound to
  std::vector<std::string> stages{"None", "Staging", "Production", "Archived"};
  // The hash of new model digests when the writer does not choose one: "sha256" or "blake3";
  // empty (the file does not say) is sha256.
  std::string digest_algorithm;
  Extensions extensions;

  const std::string& initial_stage() const { return stages.front(); }
  const std::string& archive_stage() const { return stages.back(); }
};

struct RegisteredModel {
  std::string name;
  std::string description;
  TimestampMs created_at = 0;
  std::string created_by;
  TimestampMs updated_at = 0;
  std::int64_t last_version = 0;
  std::map<std::string, std::int64_t> aliases;
  // alias -> the approved request that moved a protected alias where it points.
  std::map<std::string, std::string> alias_requests;
  TagMap tags;
  Extensions extensions;
};

// Where a copied version came from (`mreg copy`, MLflow's copy_model_version): the
// source registry's id (its mreg.yaml), the version, and the commit it was read at.
struct VersionOrigin {
  std::string registry;
  std::string model;
  std::int64_t version = 0;
  std::string commit;

  bool empty() const { return model.empty(); }
  // "models:/power-forecast/3 in acme/model-registry at 9f1c0b2a4d5e"
  std::string display() const {
    return "models:/" + model + "/" + std::to_string(version) + " in " + registry + " at " + commit.substr(0, 12);
  }
};

struct ModelVersion {
  std::string name;
  std::int64_t version = 0;
  std::string stage;
  std::string stage_request;
  std::string description;
  std::string source;
  std::string run_id;
  std::string run_link;
  std::string experiment_id;
  // MLflow 3: the logged model the version was made from (m-<hex>), and where its
  // files are when `source` does not say (a models:/m-<id> source); both optional.
  std::string model_id;
  std::string storage_location;
  std::string digest;
  std::vector<std::string> flavors;
  Json signature;  // opaque mapping from the MLmodel file; null when absent
  VersionOrigin copied_from;  // empty unless the version is a copy
  std::string status = "READY";
  std::string status_message;
  TimestampMs created_at = 0;
  std::string created_by;
  TimestampMs updated_at = 0;
  TagMap tags;
  Extensions extensions;

  // Derived from the model's aliases when read; not stored in the file.
  std::vector<std::string> aliases;

  // Where the version's files are: storage_location when known, else source (as MLflow 3).
  const std::string& files_location() const { return storage_location.empty() ? source : storage_location; }
};

// models/<model>/requests/<id>.yaml: a request to change a version's protected
// state: move it into a stage (to_stage, also out of a protected one), point an
// alias at it (alias), take an alias off it (remove_alias), or delete it
// (delete_version). Exactly one of the four. Never changed once written.
struct TransitionRequest {
  std::string id;  // sorts in time: 20261124T100211Z-7f3a
  std::string model;
  std::int64_t version = 0;
  std::string from_stage;
  std::string to_stage;  // or
  std::string alias;     // or
  std::string remove_alias;  // or
  bool delete_version = false;
  bool archive_existing = false;
  std::string version_sha256;
  std::string requested_by;
  TimestampMs requested_at = 0;
  std::string comment;
  Extensions extensions;

  // "Production", "@champion", "remove @champion", "delete".
  std::string target() const {
    if (!to_stage.empty()) return to_stage;
    if (!alias.empty()) return "@" + alias;
    if (!remove_alias.empty()) return "remove @" + remove_alias;
    return "delete";
  }
  // The alias the request sets or removes; empty for stage moves and deletes.
  const std::string& alias_concerned() const { return alias.empty() ? remove_alias : alias; }
};

// A model with what a listing shows of its versions.
struct ModelSummary {
  // model.updated_at is the newest of model.yaml's and its versions' updated_at: a transition
  // moves the model's last-modified time, as in MLflow, though it writes only the version file.
  RegisteredModel model;
  std::size_t version_count = 0;              // versions whose files read
  std::vector<ModelVersion> latest_versions;  // the highest version per stage, in stage order
  // Empty for a model whose files all read. Otherwise the model is broken: what did not
  // read is left out (the model is its folder's name alone when model.yaml does not read;
  // latest_versions come from the version files that read), and each problem is here.
  std::vector<Problem> problems;
};

// Who made a change, and when.
struct Identity {
  std::string name;
  std::string email;
  Timestamp time = 0;
  int offset_minutes = 0;  // time zone of `time`, as git records it
  int millis = 0;          // past `time`: the files' times keep them, git's commit times cannot

  TimestampMs time_ms() const { return time * 1000 + millis; }

  std::string display() const { return name + " <" + email + ">"; }
};

}  // namespace mreg
