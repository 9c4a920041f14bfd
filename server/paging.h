// Lists shown a page at a time: the ?page= parameter, addresses that keep the other query
// parameters, and the links between pages.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mreg::server {

// ?page=N: 1 when absent; a BadRequest (a 400 page) when not a whole number from 1 to 999999.
std::size_t page_param(const std::string& text);

// base?k=v&... with each value percent-encoded; empty values are left out.
std::string with_query(const std::string& base, const std::vector<std::pair<std::string, std::string>>& params);

// <nav> with "Newer" and "Older" links ("Previous", "Next" for a list not by time) around "Page N" (or "Page N of M" when `total` is known);
// `url(n)` is page n's address. Empty when everything fits on page 1.
std::string pager(const std::function<std::string(std::size_t)>& url, std::size_t current, bool more,
                  std::size_t total = 0, const std::string& what = "results", bool newest_first = true);

}  // namespace mreg::server
