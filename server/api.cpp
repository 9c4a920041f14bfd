#include "api.h"

#include <httplib.h>

#include <algorithm>
#include <map>
#include <regex>

#include "api_params.h"
#include "api_search.h"
#include "page_cache.h"
#include "mreg/names.h"
#include "snapshot_source.h"

namespace mreg::server {
namespace {

// MLflow's own fields only: the API answers exactly what MLflow would.

std::int64_t version_param(const ApiParams& p, const std::string& name) {
  const std::string text = p.required("version");
  static const std::regex integer("^-?[0-9]+$");
  if (!std::regex_match(text, integer)) throw_invalid("Model version must be an integer, got '" + text + "'");
  // An integer that is not a version number names no version, as in MLflow.
  static const std::regex number("^[1-9][0-9]{0,17}$");
  if (!std::regex_match(text, number))
    throw_not_found("Model Version (name=" + name + ", version=" + text + ") not found");
  return parse_version_number(text);
}

// Latest versions in MLflow's order: its stages in the order their lowest version has them
// (MLflow fills a stage -> version map while walking the versions in order), not the registry's.
std::vector<ModelVersion> in_mlflow_order(std::vector<ModelVersion> latest, const std::vector<ModelVersion>& all) {
  std::vector<std::string> stages;
  for (const auto& v : all)
    if (std::find(stages.begin(), stages.end(), v.stage) == stages.end()) stages.push_back(v.stage);
  auto rank = [&](const ModelVersion& v) { return std::find(stages.begin(), stages.end(), v.stage) - stages.begin(); };
  std::stable_sort(latest.begin(), latest.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  return latest;
}

std::string get_registered_model(const Snapshot& s, const ApiParams& p) {
  ModelSummary summary = s.get_model_summary(p.required("name"));
  summary.latest_versions = in_mlflow_order(std::move(summary.latest_versions), s.get_model_versions(summary.model.name));
  return dump_json({{"registered_model", api_model_json(summary)}});
}

OrderedJson version_list(const char* key, const std::vector<ModelVersion>& versions) {
  OrderedJson j = OrderedJson::object();
  if (versions.empty()) return j;  // MLflow leaves an empty repeated field out
  // With their aliases, as MLflow 3's server sends them (2.x sends none).
  for (const auto& v : versions) j[key].push_back(api_version_json(v));
  return j;
}

std::string get_latest_versions(const Snapshot& s, const ApiParams& p) {
  const std::string name = p.required("name");
  return dump_json(version_list("model_versions", in_mlflow_order(s.get_latest_versions(name, p.all("stages")), s.get_model_versions(name))));
}

// One version's answer is written as text: it is the API's most frequent read.
std::string get_model_version_by_alias(const Snapshot& s, const ApiParams& p) {
  const std::string name = p.required("name");
  return mlflow_json_compact("model_version", s.get_model_version_by_alias(name, p.required("alias")), kMlflowFields);
}

std::string get_model_version(const Snapshot& s, const ApiParams& p) {
  const std::string name = p.required("name");
  return mlflow_json_compact("model_version", s.get_model_version(name, version_param(p, name)), kMlflowFields);
}

std::string get_model_version_download_uri(const Snapshot& s, const ApiParams& p) {
  const std::string name = p.required("name");
  ModelVersion v = s.get_model_version(name, version_param(p, name));
  // A version whose source is another version's models:/ URI downloads that version's files, as in
  // MLflow; a logged model's URI (models:/m-<id>) is answered as it is when no storage_location says more.
  if (v.storage_location.empty() && v.source.rfind("models:/", 0) == 0 &&
      v.source.find_first_of("/@", 8) != std::string::npos)
    v = s.resolve_model_uri(v.source);
  return dump_json({{"artifact_uri", v.files_location()}});
}

std::string search_models_text(const Snapshot& s, const ApiParams& p) { return dump_json(search_registered_models(s, p)); }
std::string search_versions_text(const Snapshot& s, const ApiParams& p) { return dump_json(search_model_versions(s, p)); }

// Each endpoint answers with its JSON body's text.
using Endpoint = std::string (*)(const Snapshot&, const ApiParams&);

const std::map<std::string, Endpoint>& read_endpoints() {
  static const std::map<std::string, Endpoint> endpoints{
      {"registered-models/get", get_registered_model},
      {"registered-models/search", search_models_text},
      {"registered-models/get-latest-versions", get_latest_versions},
      {"registered-models/alias", get_model_version_by_alias},
      {"model-versions/get", get_model_version},
      {"model-versions/search", search_versions_text},
      {"model-versions/get-download-uri", get_model_version_download_uri},
  };
  return endpoints;
}

// MLflow clients send POST first for get-latest-versions (and fall back to GET
// only on a JSON ENDPOINT_NOT_FOUND); it is a read, so it is answered.
bool is_read(const std::string& method, const std::string& endpoint) {
  if (method == "GET" || method == "HEAD") return true;
  return method == "POST" && endpoint == "registered-models/get-latest-versions";
}

}  // namespace

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::BAD_REQUEST:
    case ErrorCode::INVALID_PARAMETER_VALUE:
    case ErrorCode::RESOURCE_ALREADY_EXISTS: return 400;
    case ErrorCode::PERMISSION_DENIED: return 403;
    case ErrorCode::RESOURCE_DOES_NOT_EXIST: return 404;
    case ErrorCode::RESOURCE_CONFLICT: return 409;
    case ErrorCode::INTERNAL_ERROR:
    case ErrorCode::INVALID_STATE: return 500;
  }
  return 500;
}

std::string dump_json(const OrderedJson& body) {
  return body.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

void send_json(httplib::Response& res, const OrderedJson& body, int status) {
  res.status = status;
  res.set_content(dump_json(body), "application/json");
}

void send_api_error(httplib::Response& res, int status, const std::string& error_code, const std::string& message) {
  send_json(res, OrderedJson{{"error_code", error_code}, {"message", message}}, status);
}

void handle_api(const httplib::Request& req, httplib::Response& res, const std::string& endpoint,
                const SnapshotSource& source) {
  if (!is_read(req.method, endpoint)) {
    send_api_error(res, 403, "PERMISSION_DENIED",
                   "This registry is served read-only: " + req.method + " " + endpoint +
                       " would change it. Make the change with the mreg CLI (for example 'mreg stage', "
                       "'mreg alias set', 'mreg request') or a pull request to the registry repository.");
    return;
  }
  const auto& endpoints = read_endpoints();
  auto it = endpoints.find(endpoint);
  if (it == endpoints.end()) {
    send_api_error(res, 404, "ENDPOINT_NOT_FOUND", "No API endpoint " + req.method + " " + req.path +
                                                       "; this server answers MLflow's model registry reads.");
    return;
  }
  try {
    const ApiParams params = ApiParams::from(req);
    const View view = source.current();
    // A GET's answer depends only on the commit and the URL: made once per commit.
    static PageCache cache(kAnswerCacheBytes);
    if (req.method == "POST") {
      res.status = 200;
      res.set_content(it->second(view.snapshot, params), "application/json");
      return;
    }
    auto body = cache.get(view.snapshot.commit_id() + " " + req.target, [&]() -> std::optional<std::string> {
      return it->second(view.snapshot, params);
    });
    res.status = 200;
    res.set_content(*body, "application/json");
  } catch (const Error& e) {
    send_api_error(res, http_status(e.code()), error_code_name(e.code()), e.message());
  } catch (const std::exception& e) {
    send_api_error(res, 500, "INTERNAL_ERROR", std::string("internal error: ") + e.what());
  }
}

OrderedJson api_version_json(const ModelVersion& v) { return to_mlflow_json(v, kMlflowFields); }

OrderedJson api_listed_version_json(const ModelVersion& v) {
  OrderedJson j = api_version_json(v);
  j.erase("aliases");
  return j;
}

OrderedJson api_model_json(const ModelSummary& s) {
  OrderedJson j = to_mlflow_json(s, kMlflowFields);
  if (j.contains("latest_versions"))
    for (auto& v : j["latest_versions"]) v.erase("aliases");
  return j;
}

}  // namespace mreg::server
