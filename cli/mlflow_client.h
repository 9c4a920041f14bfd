// Reading an MLflow registry through MLflow's REST API (search and get), for
// `mreg import mlflow --from-server URL`.
#pragma once

#include <string>

#include "mreg/mlflow_store.h"

namespace mreg::cli {

// Every registered model and its versions from the server at `url`
// (http://host:port[/base]); a token in $MLFLOW_TRACKING_TOKEN is sent as a
// bearer token and never printed.
MlflowRegistry read_mlflow_server(const std::string& url);

}  // namespace mreg::cli
