// search_registered_models and search_model_versions: filter, order, one page.
#include <algorithm>
#include <cstdint>

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

// The page at the token's offset of the matches in MLflow's stable multi-key order, collected
// as they come: only the best offset + max_results are kept (with as many again of slack,
// cut back now and then), so a search with many matches holds about one page of them.
template <typename T>
class PageCollector {
 public:
  PageCollector(const std::vector<OrderClause>& order, std::int64_t max_results, std::int64_t offset)
      : order_(order), max_results_(max_results), offset_(offset),
        keep_(static_cast<std::size_t>(std::min<std::int64_t>(offset, kKeepAll) + max_results)),
        cut_at_(offset > kKeepAll ? SIZE_MAX : 2 * keep_ + 16) {}

  void add(T item) {
    items_.push_back({seen_++, std::move(item)});
    if (items_.size() >= cut_at_) cut();
  }

  std::vector<T> page(std::string& next_page_token) {
    std::sort(items_.begin(), items_.end(), [this](const Item& a, const Item& b) { return before(a, b); });
    const auto size = static_cast<std::int64_t>(seen_);
    const std::int64_t begin = std::min(offset_, size);
    const std::int64_t end = begin + std::min(max_results_, size - begin);  // no overflow, whatever the token says
    if (end < size) next_page_token = make_page_token(end);
    std::vector<T> out;
    for (std::int64_t i = begin; i < end; ++i) out.push_back(std::move(items_[static_cast<std::size_t>(i)].second));
    return out;
  }

 private:
  // Beyond this offset every match is kept (no cut: a token that far is past the end anyway).
  static constexpr std::int64_t kKeepAll = 1 << 24;
  using Item = std::pair<std::size_t, T>;  // the order it came in breaks ties, as a stable sort does
  bool before(const Item& a, const Item& b) const {
    for (const auto& o : order_) {
      const int c = compare_key(o.key, a.second, b.second);
      if (c != 0) return o.ascending ? c < 0 : c > 0;
    }
    return a.first < b.first;
  }
  void cut() {
    std::nth_element(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(keep_), items_.end(),
                     [this](const Item& a, const Item& b) { return before(a, b); });
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(keep_), items_.end());
  }

  const std::vector<OrderClause>& order_;
  std::int64_t max_results_, offset_;
  std::size_t keep_;    // the page and all before it
  std::size_t cut_at_;  // cut back to keep_ at this many
  std::size_t seen_ = 0;
  std::vector<Item> items_;
};

}  // namespace

ModelSearchPage search_registered_models(const Snapshot& snapshot, const std::string& filter,
                                         const std::vector<std::string>& order_by, std::int64_t max_results,
                                         const std::string& page_token) {
  const SearchFilter parsed = parse_model_filter(filter);
  const auto order = parse_order_by(SearchKind::Models, order_by);
  check_max_results(max_results, kModelSearchMaxResults);
  const std::int64_t offset = parse_page_token(page_token);

  // Summaries carry all a model filter reads, and come from the cache.
  PageCollector<ModelSummary> found(order, max_results, offset);
  ModelSearchPage page;
  snapshot.for_each_registered_model([&](const ModelSummary& s) {
    if (!s.problems.empty()) page.broken_models.push_back(s.model.name);
    else if (matches(parsed, s)) found.add(s);
  });
  page.registered_models = found.page(page.next_page_token);
  return page;
}

VersionSearchPage search_model_versions(const Snapshot& snapshot, const std::string& filter,
                                        const std::vector<std::string>& order_by, std::int64_t max_results,
                                        const std::string& page_token) {
  const SearchFilter parsed = parse_version_filter(filter);
  const auto order = parse_order_by(SearchKind::Versions, order_by);
  check_max_results(max_results, kVersionSearchMaxResults);
  const std::int64_t offset = parse_page_token(page_token);

  PageCollector<ModelVersion> found(order, max_results, offset);
  VersionSearchPage page;
  // Reads only the models that can match.
  snapshot.for_each_model_versions([&](const std::string& name) { return name_matches(parsed, name); },
                                   [&](std::vector<ModelVersion>& versions) {
                                     for (auto& v : versions)
                                       if (matches(parsed, v)) found.add(std::move(v));
                                   },
                                   [&](const std::string& name, const std::vector<Problem>&) {
                                     page.broken_models.push_back(name);
                                   });
  page.model_versions = found.page(page.next_page_token);
  return page;
}

}  // namespace mreg
