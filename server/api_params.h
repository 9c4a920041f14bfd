// The parameters of an MLflow API request, as MLflow's server reads them:
// from the query string of a GET, from the JSON body of a POST. (MLflow also
// reads the body of a GET without a query string; httplib does not read GET
// bodies, and MLflow clients never send them.)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace httplib {
struct Request;
}

namespace mreg::server {

class ApiParams {
 public:
  // INVALID_PARAMETER_VALUE when a POST's body is not a JSON object.
  static ApiParams from(const httplib::Request& req);

  std::optional<std::string> get(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;  // a repeated field
  // INVALID_PARAMETER_VALUE with MLflow's message when missing or empty.
  std::string required(const std::string& name) const;
  // An int64 field no larger than `max`, or `fallback` when absent; MLflow's message otherwise.
  std::int64_t max_results(std::int64_t fallback, std::int64_t max) const;

 private:
  std::multimap<std::string, std::string> values_;
};

}  // namespace mreg::server
