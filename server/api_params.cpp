#include "api_params.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "mreg/error.h"
#include "query.h"

namespace mreg::server {
namespace {

// A JSON scalar as the text a query string would have carried.
std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

ApiParams ApiParams::from(const httplib::Request& req) {
  ApiParams p;
  if (req.method == "GET" || req.method == "HEAD" || req.body.empty()) {
    p.values_ = query_params(req);
    return p;
  }
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    throw_invalid("The request body is not a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.value().is_array()) {
      for (const auto& item : it.value()) p.values_.emplace(it.key(), scalar_text(item));
    } else {
      p.values_.emplace(it.key(), scalar_text(it.value()));
    }
  }
  return p;
}

std::optional<std::string> ApiParams::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ApiParams::all(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

std::string ApiParams::required(const std::string& name) const {
  auto v = get(name);
  if (!v || v->empty())
    throw_invalid("Missing value for required parameter '" + name +
                  "'. See the API docs for more information about request parameters.");
  return *v;
}

std::int64_t ApiParams::max_results(std::int64_t fallback, std::int64_t max) const {
  auto v = get("max_results");
  if (!v) return fallback;
  static const std::regex integer("^[0-9]{1,18}$");
  std::int64_t n = std::regex_match(*v, integer) ? std::stoll(*v) : -1;
  // MLflow's own wording, odd hint included, so that clients see what they know.
  if (n < 1 || n > max)
    throw_invalid("Invalid value \"" + *v + "\" for parameter 'max_results' supplied: Hint: Value was of type 'str'. "
                  "It must be a whole number from 1 to " + std::to_string(max) + ".");
  return n;
}

}  // namespace mreg::server
