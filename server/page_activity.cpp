// The registry's activity feed, newest first, a page at a time.
#include "page_parts.h"

namespace mreg::server {

std::string activity_page(const Links& links, const View& view, std::size_t page_number) {
  constexpr std::size_t kPerPage = 100;
  LogQuery q;
  q.limit = page_number * kPerPage + 1;  // one more than shown: is there a next page?
  auto events = read_log(view.registry, view.rev(), q);
  const std::size_t begin = std::min(events.size(), (page_number - 1) * kPerPage);
  const bool more = events.size() > page_number * kPerPage;
  events.erase(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(begin));
  if (events.size() > kPerPage) events.resize(kPerPage);

  std::string body = "<h1>Activity</h1><p class=\"muted\">Newest first, at commit " +
                     links.commit(view.snapshot.commit_id()) + "</p>" + events_table(links, view, events);
  body += "<nav class=\"pages\">";
  if (page_number > 1) body += link(links.activity() + "?page=" + std::to_string(page_number - 1), "Newer");
  if (more) body += link(links.activity() + "?page=" + std::to_string(page_number + 1), "Older");
  body += "</nav>";
  return page(links, "Activity", body);
}

}  // namespace mreg::server
