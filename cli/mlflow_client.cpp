#include "mlflow_client.h"

#include <httplib.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "mreg/error.h"

namespace mreg::cli {
namespace {

using Json = nlohmann::json;

struct Server {
  std::string origin;  // scheme://host[:port]
  std::string base;    // path prefix, without a trailing '/'
};

Server parse_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos || (url.compare(0, scheme, "http") != 0 && url.compare(0, scheme, "https") != 0))
    throw_invalid("--from-server: expected http://HOST[:PORT][/PATH], got '" + url + "'");
  const auto path = url.find('/', scheme + 3);
  Server s{url.substr(0, path), path == std::string::npos ? "" : url.substr(path)};
  while (!s.base.empty() && s.base.back() == '/') s.base.pop_back();
  return s;
}

Json get(httplib::Client& client, const Server& server, const std::string& endpoint, const httplib::Params& params) {
  const std::string path = httplib::append_query_params(server.base + "/api/2.0/mlflow/" + endpoint, params);
  auto res = client.Get(path);
  if (!res) throw Error(ErrorCode::INTERNAL_ERROR, "cannot reach " + server.origin + ": " + httplib::to_string(res.error()));
  Json body = Json::parse(res->body, nullptr, false);
  if (res->status != 200) {
    const std::string message = body.is_object() ? body.value("message", res->body) : res->body;
    throw Error(ErrorCode::INTERNAL_ERROR, server.origin + server.base + " answered " + std::to_string(res->status) +
                                               " to " + endpoint + ": " + message);
  }
  if (!body.is_object()) throw Error(ErrorCode::INTERNAL_ERROR, endpoint + ": the answer is not JSON");
  return body;
}

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? "" : it->is_string() ? it->get<std::string>() : it->dump();
}

std::int64_t num(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  try {
    return std::stoll(it->get<std::string>());
  } catch (...) {
    return 0;
  }
}

TagMap tags_of(const Json& j) {
  TagMap out;
  if (auto it = j.find("tags"); it != j.end() && it->is_array())
    for (const auto& t : *it) out[str(t, "key")] = str(t, "value");
  return out;
}

// The versions of model `m`, every page of them, in ascending order.
void read_versions(httplib::Client& client, const Server& server, MlflowModel& m) {
  std::string vpage;
  do {
    const std::string quoted = "'" + [&] {
      std::string q;
      for (char c : m.name) q += c == '\'' ? std::string("\\'") : std::string(1, c);
      return q;
    }() + "'";
    httplib::Params params{{"filter", "name=" + quoted}, {"max_results", "10000"}};
    if (!vpage.empty()) params.emplace("page_token", vpage);
    const Json body = get(client, server, "model-versions/search", params);
    for (const auto& mv : body.value("model_versions", Json::array())) {
      MlflowVersion v = mlflow_version_fields(mv, server.origin + server.base + " (model-versions/search)");
      v.tags = tags_of(mv);
      // The API has no storage_location: where a models:/ source's files are is the download URI.
      if (v.source.rfind("models:/", 0) == 0 && v.stage != "Deleted_Internal")
        v.storage_location = str(get(client, server, "model-versions/get-download-uri",
                                     {{"name", m.name}, {"version", std::to_string(v.version)}}),
                                 "artifact_uri");
      m.versions.push_back(std::move(v));
    }
    vpage = str(body, "next_page_token");
  } while (!vpage.empty());
  std::sort(m.versions.begin(), m.versions.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
}

}  // namespace

MlflowRegistry read_mlflow_server(const std::string& url) {
  const Server server = parse_url(url);
  httplib::Client client(server.origin);
  client.set_connection_timeout(10);
  client.set_read_timeout(60);
  if (const char* token = std::getenv("MLFLOW_TRACKING_TOKEN"); token && *token) client.set_bearer_token_auth(token);
  MlflowRegistry out;
  std::string page;
  do {
    httplib::Params params{{"max_results", "1000"}};
    if (!page.empty()) params.emplace("page_token", page);
    const Json body = get(client, server, "registered-models/search", params);
    for (const auto& rm : body.value("registered_models", Json::array())) {
      MlflowModel m;
      m.name = str(rm, "name");
      m.description = str(rm, "description");
      m.created_ms = num(rm, "creation_timestamp");
      m.updated_ms = num(rm, "last_updated_timestamp");
      m.tags = tags_of(rm);
      for (const auto& a : rm.value("aliases", Json::array())) m.aliases[str(a, "alias")] = num(a, "version");
      out.models.push_back(std::move(m));
    }
    page = str(body, "next_page_token");
  } while (!page.empty());
  // A model whose versions do not read is reported and left out; the others are imported.
  std::vector<MlflowModel> read;
  for (auto& m : out.models) {
    try {
      read_versions(client, server, m);
      read.push_back(std::move(m));
    } catch (const Error& e) {
      out.unreadable.emplace_back(m.name, e.what());
    }
  }
  out.models = std::move(read);
  return out;
}

}  // namespace mreg::cli
