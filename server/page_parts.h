// The pages and the pieces they share. Each page is computed from one View.
#pragma once

#include <string>
#include <vector>

#include "html.h"
#include "mreg/history.h"
#include "snapshot_source.h"

namespace mreg::server {

// The query of the models page: ?q=substring&sort=name|updated&page=N
struct ModelsQuery {
  std::string q;
  std::string sort = "name";
  std::size_t page = 1;
};

std::string models_page(const Links& links, const View& view, const ModelsQuery& query);
std::string model_page(const Links& links, const View& view, const std::string& name);
std::string version_page(const Links& links, const View& view, const std::string& name, std::int64_t version);
std::string activity_page(const Links& links, const View& view, std::size_t page);
std::string request_page(const Links& links, const View& view, const std::string& name, const std::string& id);
// `versions`: two or more, the first being what the others are compared against (BAD_REQUEST for fewer).
std::string compare_page(const Links& links, const View& view, const std::string& name,
                         const std::vector<std::int64_t>& versions);

// Pieces.
std::string stage_badge(const std::string& stage);
std::string alias_badges(const std::vector<std::string>& aliases);
// <a> to a request's page, its id as the text.
std::string request_link(const Links& links, const std::string& model, const std::string& id);
// Events with what they did; approvals name their signer and verdict (as `mreg log`).
std::string events_table(const Links& links, const View& view, const std::vector<Event>& events);
// Requests with their outcome and approvals (all of them, or only those of one version when version > 0).
std::string requests_table(const Links& links, const View& view, const std::vector<RequestState>& requests,
                           std::int64_t version);

}  // namespace mreg::server
