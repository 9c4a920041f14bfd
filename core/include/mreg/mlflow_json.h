// Registered models and versions in MLflow's JSON shapes (model_registry.proto):
// snake_case fields, int64 millisecond timestamps, `version` as a string,
// empty fields left out. Used by the CLI's --output json and the HTTP API.
#pragma once

#include <nlohmann/json.hpp>

#include "mreg/types.h"

namespace mreg {

using OrderedJson = nlohmann::ordered_json;

struct JsonOptions {
  // mreg's lineage fields beyond MLflow's (experiment_id, digest, flavors,
  // signature, stage_request); MLflow clients ignore unknown fields.
  bool lineage = true;
  // A version's description, run_id and run_link sent as "" when empty, after its other
  // fields, as MLflow's tracking server sends them (its JSON writer keeps empty strings).
  bool server_empty_strings = false;
};

OrderedJson to_mlflow_json(const ModelVersion& v, const JsonOptions& opts = {});
OrderedJson to_mlflow_json(const RegisteredModel& m, const std::vector<ModelVersion>& latest_versions,
                           const JsonOptions& opts = {});
OrderedJson to_mlflow_json(const ModelSummary& s, const JsonOptions& opts = {});

// Appends to `out` the text of to_mlflow_json(x, opts).dump(2), as it stands
// nested `depth` levels deep in a dump(2) of a larger document (each line after
// the first indented 2 * depth spaces more): long listings are written without
// building a JSON tree for each item.
void append_mlflow_json(std::string& out, const ModelSummary& s, int depth, const JsonOptions& opts = {});
void append_mlflow_json(std::string& out, const ModelVersion& v, int depth, const JsonOptions& opts = {});

// The text of to_mlflow_json(v, opts) as {"<key>": v} dumped compactly (dump(-1)), with
// text that is not UTF-8 replaced (U+FFFD) rather than refused: the body the HTTP API
// sends for one version, written without building a JSON tree.
std::string mlflow_json_compact(const char* key, const ModelVersion& v, const JsonOptions& opts = {});

}  // namespace mreg
