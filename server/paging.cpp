#include "paging.h"

#include "html.h"
#include "page_parts.h"

namespace mreg::server {

std::size_t page_param(const std::string& text) {
  if (text.empty()) return 1;
  bool digits = text.size() <= 6 && text[0] != '0';
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (!digits) throw BadRequest("page: '" + text + "' is not a page number (a whole number from 1 to 999999)");
  return std::stoul(text);
}

std::string with_query(const std::string& base, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url = base;
  char sep = '?';
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    url += sep + key + "=" + url_encode(value);
    sep = '&';
  }
  return url;
}

std::string pager(const std::function<std::string(std::size_t)>& url, std::size_t current, bool more,
                  std::size_t total, const std::string& what, bool newest_first) {
  if (current <= 1 && !more) return "";
  std::string out = "<nav class=\"pages\" aria-label=\"Pages of " + escape(what) + "\">";
  if (current > 1) out += "<a rel=\"prev\" href=\"" + escape(url(current - 1)) + "\">&larr; " + std::string(newest_first ? "Newer" : "Previous") + "</a>";
  out += "<span>Page " + std::to_string(current) + (total ? " of " + std::to_string(total) : "") + "</span>";
  if (more) out += "<a rel=\"next\" href=\"" + escape(url(current + 1)) + "\">" + std::string(newest_first ? "Older" : "Next") + " &rarr;</a>";
  return out + "</nav>";
}

}  // namespace mreg::server
