// The registry's activity feed, newest first, a page at a time, filtered by model, kind of
// event and author.
#include <algorithm>

#include "mreg/names.h"
#include "page_parts.h"
#include "paging.h"

namespace mreg::server {
namespace {

constexpr std::size_t kEventsPerPage = 50;

std::string activity_url(const Links& links, const ActivityQuery& q, std::size_t page) {
  return with_query(links.activity(), {{"model", q.model},
                                       {"type", q.type},
                                       {"author", q.author},
                                       {"page", page > 1 ? std::to_string(page) : ""}});
}

std::string filter_form(const Links& links, const ActivityQuery& q) {
  std::string types = "<option value=\"\">every kind</option>";
  for (const auto& t : event_types())
    types += "<option" + std::string(t == q.type ? " selected" : "") + ">" + escape(t) + "</option>";
  // Labels name their fields by id, so that each field's name is the label's text alone.
  return "<form class=\"filters\" method=\"get\" action=\"" + escape(links.activity()) + "\">"
         "<span><label for=\"f-model\">Model</label> <input type=\"text\" id=\"f-model\" name=\"model\" value=\"" +
         escape(q.model) + "\"></span><span><label for=\"f-type\">Kind</label> <select id=\"f-type\" name=\"type\">" +
         types + "</select></span><span><label for=\"f-author\">Author</label> <input type=\"text\" id=\"f-author\" "
         "name=\"author\" value=\"" + escape(q.author) +
         "\" placeholder=\"name or email\"></span><button type=\"submit\">Filter</button></form>";
}

}  // namespace

const std::vector<std::string>& event_types() {
  static const std::vector<std::string> types{
      "registry_created", "model_created", "model_updated", "model_renamed", "model_deleted", "model_tag_set",
      "model_tag_deleted", "registered", "version_updated", "version_deleted", "version_tag_set", "version_tag_deleted",
      "transitioned", "archived", "alias_set", "alias_deleted", "commented", "requested", "approved", "rejected",
      "cancelled", "policy_changed", "edited"};
  return types;
}

std::string activity_page(const Links& links, const View& view, const ActivityQuery& query) {
  const auto& types = event_types();
  if (!query.type.empty() && std::find(types.begin(), types.end(), query.type) == types.end())
    throw BadRequest("type: '" + query.type + "' is not a kind of event (see the list on the activity page)");
  if (!query.model.empty()) try {
      check_model_name(query.model);
    } catch (const Error& e) {
      throw BadRequest("model: " + e.message());
    }

  LogQuery q;
  q.model = query.model;
  if (!query.type.empty()) q.types = {query.type};
  q.author = query.author;
  q.limit = query.page * kEventsPerPage + 1;  // one more than shown: is there an older page?
  auto events = read_log(view.registry, view.rev(), q);
  const std::size_t begin = std::min(events.size(), (query.page - 1) * kEventsPerPage);
  const bool more = events.size() > query.page * kEventsPerPage;
  events.erase(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(begin));
  if (events.size() > kEventsPerPage) events.resize(kEventsPerPage);

  const bool filtered = !query.model.empty() || !query.type.empty() || !query.author.empty();
  std::string body = "<h1>Activity</h1>" + filter_form(links, query) + "<p class=\"muted\">Newest first" +
                     (filtered ? ", filtered" : "") + ", at commit " + links.commit(view.snapshot.commit_id()) + "</p>";
  body += events_table(links, view, events);
  body += pager([&](std::size_t n) { return activity_url(links, query, n); }, query.page, more, 0, "activity");
  return page(links, "Activity", body);
}

}  // namespace mreg::server
