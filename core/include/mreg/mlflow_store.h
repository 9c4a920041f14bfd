// Moving between MLflow's model registry and mreg.
//
// An MLflow registry is read into plain values (MlflowRegistry) from its file
// store (mlruns/models/...) here, or from its REST API by a caller that speaks
// HTTP; import_mlflow writes those values into a registry with their history:
// one commit per model and per version, in creation order, with the original
// times and users as the commits' authors. export_mlflow_file_store writes a
// registry back into the file store's layout, which MLflow reads as it is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mreg/registry.h"

namespace mreg {

struct MlflowVersion {
  std::int64_t version = 0;
  std::string stage = "None";  // current_stage; "Deleted_Internal" for a deleted version
  std::string description, source, run_id, run_link, status = "READY", status_message, user_id;
  std::string model_id, storage_location;  // MLflow 3; the REST API gives no storage_location
  std::int64_t created_ms = 0, updated_ms = 0;
  TagMap tags;
};

struct MlflowModel {
  std::string name, description;
  std::int64_t created_ms = 0, updated_ms = 0;
  TagMap tags;
  std::map<std::string, std::int64_t> aliases;
  std::vector<MlflowVersion> versions;  // ascending by number
};

struct MlflowRegistry {
  std::vector<MlflowModel> models;
  // Models that could not be read (their name, or their folder or URL when the name is not
  // known, and why): an import reports them and imports the others.
  std::vector<std::pair<std::string, std::string>> unreadable;
};

// A version's fields as MLflow names them, in a version meta.yaml and in the
// REST API's ModelVersion alike (tags are not among them: the file store keeps
// them in files). `where` names the source in errors.
MlflowVersion mlflow_version_fields(const Json& fields, const std::string& where);

// Reads `path`: an MLflow file store root (holding models/) or its models/
// folder. A model whose files do not read goes into `unreadable`, naming the file; throws
// Error(INVALID_PARAMETER_VALUE) when `path` is not a file store.
MlflowRegistry read_mlflow_file_store(const std::string& path);

struct ImportReport {
  std::size_t models_created = 0, versions_created = 0, aliases_set = 0;
  std::size_t models_skipped = 0, versions_skipped = 0;  // there already
  // Models not imported at all, each with the reason (a name, tag, stage or protected move the
  // registry cannot take): the rest is imported all the same.
  std::vector<std::pair<std::string, std::string>> models_refused;
};

// Imports what the registry does not have yet (a rerun imports only what is
// new). A version keeps its MLflow number and stage; deleted versions are not
// imported but their numbers stay taken (last_version). Reports progress
// through mreg/progress.h ("Importing from MLflow").
ImportReport import_mlflow(Registry& registry, const MlflowRegistry& source, const WriteOptions& opts);

// Writes the registry at `snapshot` into `dest` in MLflow's file-store layout
// (dest/models/<name>/...). Refuses a `dest` whose models/ folder is not empty.
void export_mlflow_file_store(const Snapshot& snapshot, const std::string& dest);

}  // namespace mreg
