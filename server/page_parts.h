// The pages and the pieces they share. Each page is computed from one View.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "html.h"
#include "mreg/history.h"
#include "snapshot_source.h"

namespace mreg::server {

// A query parameter that does not fit (?page=x, ?sort=x): a 400 page with this message.
struct BadRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A whole page sent with an error status (a search whose filter does not parse), never cached.
struct ErrorStatusPage {
  int status;
  std::string html;
};

// The query of the models page: ?q=words or a filter&sort=name|updated&page=N
struct ModelsQuery {
  std::string q;
  std::string sort = "name";
  std::size_t page = 1;
};

// The query of the activity page: ?model=NAME&type=EVENT_TYPE&author=TEXT&page=N
struct ActivityQuery {
  std::string model, type, author;
  std::size_t page = 1;
};

std::string models_page(const Links& links, const View& view, const ModelsQuery& query);
// ?page=N pages the versions, newest first.
std::string model_page(const Links& links, const View& view, const std::string& name, std::size_t page);
std::string version_page(const Links& links, const View& view, const std::string& name, std::int64_t version);
std::string activity_page(const Links& links, const View& view, const ActivityQuery& query);
// The event types the activity page filters by (docs/cli.md, "Event").
const std::vector<std::string>& event_types();
std::string request_page(const Links& links, const View& view, const std::string& name, const std::string& id);
// `versions`: two or more, the first being what the others are compared against (BAD_REQUEST for fewer).
std::string compare_page(const Links& links, const View& view, const std::string& name,
                         const std::vector<std::int64_t>& versions);

// Pieces.
// A <dt>/<dd> pair of a field list, left out when HTML is empty.
void field(std::string& out, const std::string& name, const std::string& html);
std::string stage_badge(const std::string& stage);
std::string alias_badges(const std::vector<std::string>& aliases);
// <a> to a request's page, its id as the text.
std::string request_link(const Links& links, const std::string& model, const std::string& id);
// key=value badges, one per tag.
std::string tag_badges(const std::map<std::string, std::string>& tags);
// Events with what they did; approvals name their signer and verdict (as `mreg log`).
std::string events_table(const Links& links, const View& view, const std::vector<Event>& events);
// Requests with their outcome and approvals (all of them, or only those of one version when version > 0).
std::string requests_table(const Links& links, const View& view, const std::vector<RequestState>& requests,
                           std::int64_t version);

}  // namespace mreg::server
