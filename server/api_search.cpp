#include "api_search.h"

#include "api.h"

#include "mreg/search.h"

namespace mreg::server {
namespace {


}  // namespace

// MLflow's filter grammar, order keys and page tokens: the same code as `mreg search`.
OrderedJson search_registered_models(const Snapshot& s, const ApiParams& p) {
  const std::int64_t max_results = p.max_results(kModelSearchDefaultMaxResults, kModelSearchMaxResults);
  const ModelSearchPage page = mreg::search_registered_models(s, p.get("filter").value_or(""), p.all("order_by"),
                                                              max_results, p.get("page_token").value_or(""));
  OrderedJson j = OrderedJson::object();
  for (const auto& m : page.registered_models) j["registered_models"].push_back(api_model_json(m));
  if (!page.next_page_token.empty()) j["next_page_token"] = page.next_page_token;
  return j;
}

OrderedJson search_model_versions(const Snapshot& s, const ApiParams& p) {
  const std::int64_t max_results = p.max_results(kVersionSearchDefaultMaxResults, kVersionSearchMaxResults);
  const VersionSearchPage page = mreg::search_model_versions(s, p.get("filter").value_or(""), p.all("order_by"),
                                                             max_results, p.get("page_token").value_or(""));
  OrderedJson j = OrderedJson::object();
  for (const auto& v : page.model_versions) {
    j["model_versions"].push_back(api_listed_version_json(v));
  }
  if (!page.next_page_token.empty()) j["next_page_token"] = page.next_page_token;
  return j;
}

}  // namespace mreg::server
