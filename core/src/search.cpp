// search_registered_models and search_model_versions: filter, order, one page.
#include <algorithm>

#include "mreg/search.h"

namespace mreg {
namespace {

// -1, 0 or 1 as a comes before, with or after b under one order key.
template <typename T>
int compare_key(OrderKey key, const T& a, const T& b);

template <>
int compare_key(OrderKey key, const ModelSummary& a, const ModelSummary& b) {
  switch (key) {
    case OrderKey::Name: return a.model.name.compare(b.model.name);
    case OrderKey::CreatedAt: return (a.model.created_at > b.model.created_at) - (a.model.created_at < b.model.created_at);
    case OrderKey::UpdatedAt: return (a.model.updated_at > b.model.updated_at) - (a.model.updated_at < b.model.updated_at);
    case OrderKey::VersionNumber: return 0;
  }
  return 0;
}

template <>
int compare_key(OrderKey key, const ModelVersion& a, const ModelVersion& b) {
  switch (key) {
    case OrderKey::Name: return a.name.compare(b.name);
    case OrderKey::CreatedAt: return (a.created_at > b.created_at) - (a.created_at < b.created_at);
    case OrderKey::UpdatedAt: return (a.updated_at > b.updated_at) - (a.updated_at < b.updated_at);
    case OrderKey::VersionNumber: return (a.version > b.version) - (a.version < b.version);
  }
  return 0;
}

void check_max_results(std::int64_t max_results, std::int64_t limit) {
  if (max_results < 1)
    throw_invalid("Invalid value for max_results. It must be a positive integer, but got " + std::to_string(max_results));
  if (max_results > limit)
    throw_invalid("Invalid value for request parameter max_results. It must be at most " + std::to_string(limit) +
                  ", but got value " + std::to_string(max_results));
}

// Sorts `items` and keeps the page at the token's offset.
template <typename T>
std::vector<T> page_of(std::vector<T> items, const std::vector<OrderClause>& order, std::int64_t max_results,
                       std::int64_t offset, std::string& next_page_token) {
  std::stable_sort(items.begin(), items.end(), [&](const T& a, const T& b) {
    for (const auto& o : order) {
      const int c = compare_key(o.key, a, b);
      if (c != 0) return o.ascending ? c < 0 : c > 0;
    }
    return false;
  });
  const auto size = static_cast<std::int64_t>(items.size());
  const std::int64_t begin = std::min(offset, size);
  const std::int64_t end = begin + std::min(max_results, size - begin);  // no overflow, whatever the token says
  if (end < size) next_page_token = make_page_token(end);
  return std::vector<T>(std::make_move_iterator(items.begin() + begin), std::make_move_iterator(items.begin() + end));
}

}  // namespace

ModelSearchPage search_registered_models(const Snapshot& snapshot, const std::string& filter,
                                         const std::vector<std::string>& order_by, std::int64_t max_results,
                                         const std::string& page_token) {
  const SearchFilter parsed = parse_model_filter(filter);
  const auto order = parse_order_by(SearchKind::Models, order_by);
  check_max_results(max_results, kModelSearchMaxResults);
  const std::int64_t offset = parse_page_token(page_token);

  // Summaries carry all a model filter reads, and come from the cache.
  std::vector<ModelSummary> found;
  snapshot.for_each_registered_model([&](const ModelSummary& s) {
    if (matches(parsed, s)) found.push_back(s);
  });
  ModelSearchPage page;
  page.registered_models = page_of(std::move(found), order, max_results, offset, page.next_page_token);
  return page;
}

VersionSearchPage search_model_versions(const Snapshot& snapshot, const std::string& filter,
                                        const std::vector<std::string>& order_by, std::int64_t max_results,
                                        const std::string& page_token) {
  const SearchFilter parsed = parse_version_filter(filter);
  const auto order = parse_order_by(SearchKind::Versions, order_by);
  check_max_results(max_results, kVersionSearchMaxResults);
  const std::int64_t offset = parse_page_token(page_token);

  std::vector<ModelVersion> found;
  // Reads only the models that can match.
  snapshot.for_each_model_versions([&](const std::string& name) { return name_matches(parsed, name); },
                                   [&](std::vector<ModelVersion>& versions) {
                                     for (auto& v : versions)
                                       if (matches(parsed, v)) found.push_back(std::move(v));
                                   });
  VersionSearchPage page;
  page.model_versions = page_of(std::move(found), order, max_results, offset, page.next_page_token);
  return page;
}

}  // namespace mreg
