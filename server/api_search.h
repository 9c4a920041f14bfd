// registered-models/search and model-versions/search: filter, order_by,
// max_results and page_token as MLflow has them.
#pragma once

#include "api_params.h"
#include "mreg/mlflow_json.h"
#include "mreg/registry.h"

namespace mreg::server {

OrderedJson search_registered_models(const Snapshot& s, const ApiParams& p);
OrderedJson search_model_versions(const Snapshot& s, const ApiParams& p);

}  // namespace mreg::server
