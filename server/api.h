// MLflow's model registry REST API, read endpoints only (docs/http.md):
// MLflow's JSON shapes, error bodies and HTTP statuses.
#pragma once

#include <string>

#include "mreg/error.h"
#include "mreg/mlflow_json.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace mreg::server {

// The MLflow API's field set of a model or version (no mreg extensions), with a version's
// `description`, `run_id` and `run_link` sent as "" when empty, as MLflow sends them.
inline const JsonOptions kMlflowFields{false, true};

class SnapshotSource;

// A version and a model as the API sends them: MLflow's fields, with a version's
// `description`, `run_id` and `run_link` sent as "" when empty, as MLflow sends them.
OrderedJson api_version_json(const ModelVersion& v);
// A version as MLflow lists it in search results and in a model's latest_versions: without its
// aliases, which MLflow sends for a single version and (3.x) for get-latest-versions.
OrderedJson api_listed_version_json(const ModelVersion& v);
OrderedJson api_model_json(const ModelSummary& s);

// Answers a request for `endpoint` (the path after ".../2.0/mlflow/", e.g.
// "registered-models/get"). Every answer is JSON: reads, PERMISSION_DENIED for
// any write, ENDPOINT_NOT_FOUND for anything else.
void handle_api(const httplib::Request& req, httplib::Response& res, const std::string& endpoint,
                const SnapshotSource& source);

// {"error_code": ..., "message": ...} with the HTTP status MLflow gives that code.
void send_api_error(httplib::Response& res, int status, const std::string& error_code, const std::string& message);
int http_status(ErrorCode code);

// JSON text; text that is not UTF-8 is replaced, never thrown on.
std::string dump_json(const OrderedJson& body);
// Sends JSON as MLflow does (application/json); text that is not UTF-8 is replaced, never thrown on.
void send_json(httplib::Response& res, const OrderedJson& body, int status = 200);

}  // namespace mreg::server
