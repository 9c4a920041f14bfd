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
};

OrderedJson to_mlflow_json(const ModelVersion& v, const JsonOptions& opts = {});
OrderedJson to_mlflow_json(const RegisteredModel& m, const std::vector<ModelVersion>& latest_versions,
                           const JsonOptions& opts = {});
OrderedJson to_mlflow_json(const ModelSummary& s, const JsonOptions& opts = {});

}  // namespace mreg
