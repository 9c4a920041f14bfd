// Search in MLflow's filter grammar (search_registered_models and
// search_model_versions), shared by the CLI and the HTTP view.
//
//   filter  := clause (AND clause)*          (empty: everything)
//   clause  := key comparator value
//   key     := name | tags.<key> | tag.<key> (backticks or double quotes around
//              a key with dots or spaces) | attribute.<name>
//              versions add run_id, source_path, version_number;
//              beyond MLflow: stage, alias, description, created_at, updated_at
//   value   := 'text' | "text" | number | ( 'text', ... )   (a list only for run_id IN)
//
// Strings compare with =, !=, LIKE (SQL pattern, % and _, case-sensitive) and
// ILIKE (ignoring case); version_number, created_at and updated_at with =, !=,
// <, <=, >, >=. A model or version without the tag never matches a tag clause,
// except MLflow's own: a model without mlflow.prompt.is_prompt matches
// != 'true' and = 'false' (the filter MLflow clients add to model searches).
// Every error is an Error(INVALID_PARAMETER_VALUE) with MLflow's wording that
// names the 1-based position in the filter it is about.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mreg/error.h"
#include "mreg/registry.h"
#include "mreg/types.h"

namespace mreg {

enum class SearchKind { Models, Versions };

enum class FilterKey { Name, Tag, RunId, SourcePath, VersionNumber, Stage, Alias, Description, CreatedAt, UpdatedAt };

enum class Comparator { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual, Like, ILike, In };

struct FilterClause {
  FilterKey key = FilterKey::Name;
  std::string tag_key;              // the key of a Tag clause
  Comparator comparator = Comparator::Equal;
  std::string text;                 // what a string is compared with
  std::vector<std::string> list;    // the values of IN
  std::int64_t number = 0;          // version_number; created_at and updated_at in ms since the epoch
  std::size_t position = 1;         // where the clause starts in the filter, 1-based
};

struct SearchFilter {
  SearchKind kind = SearchKind::Models;
  std::vector<FilterClause> clauses;  // every one must hold
};

// A filter that does not parse. position() is 1-based in the filter.
class FilterError : public Error {
 public:
  FilterError(const std::string& message, std::size_t position)
      : Error(ErrorCode::INVALID_PARAMETER_VALUE, message + " (at position " + std::to_string(position) + ")"),
        position_(position) {}
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

SearchFilter parse_model_filter(const std::string& filter);
SearchFilter parse_version_filter(const std::string& filter);
SearchFilter parse_filter(SearchKind kind, const std::string& filter);

// SQL LIKE: % any run of characters, _ one character (UTF-8), no escape.
// ignore_case folds ASCII letters, as ILIKE does.
bool like_match(const std::string& text, const std::string& pattern, bool ignore_case);

// A model: its stages are those its versions are in (ModelSummary::latest_versions).
bool matches(const SearchFilter& filter, const ModelSummary& model);
bool matches(const SearchFilter& filter, const ModelVersion& version);
// The clauses on the model name alone; a version search reads only the models that pass.
bool name_matches(const SearchFilter& filter, const std::string& model_name);

enum class OrderKey { Name, VersionNumber, CreatedAt, UpdatedAt };

struct OrderClause {
  OrderKey key = OrderKey::Name;
  bool ascending = true;
};

// "KEY [ASC|DESC]" each, as MLflow reads order_by, with MLflow's defaults and
// tie-breaks added: models end with name ASC; versions default to
// last_updated_timestamp DESC, name ASC, version_number DESC and end with
// name ASC, version_number DESC. Keys: name, creation_timestamp,
// last_updated_timestamp (or created_at, updated_at); versions add version_number.
std::vector<OrderClause> parse_order_by(SearchKind kind, const std::vector<std::string>& order_by);

// MLflow's bounds of max_results: models default 100, at most 1000; versions
// default 10000 (the client's), at most 200000.
constexpr std::int64_t kModelSearchDefaultMaxResults = 100;
constexpr std::int64_t kModelSearchMaxResults = 1000;
constexpr std::int64_t kVersionSearchDefaultMaxResults = 10000;
constexpr std::int64_t kVersionSearchMaxResults = 200000;

// Page tokens as MLflow makes them: base64 of {"offset": N}. "" is the first page.
std::string make_page_token(std::int64_t offset);
std::int64_t parse_page_token(const std::string& token);

// A model with a file that does not read (ModelSummary::problems) is left out of a search,
// whatever the filter, and named in `broken_models` (sorted), so that one broken model does
// not fail the search of every other.
struct ModelSearchPage {
  std::vector<ModelSummary> registered_models;
  std::string next_page_token;  // "" on the last page
  std::vector<std::string> broken_models;
};

struct VersionSearchPage {
  std::vector<ModelVersion> model_versions;
  std::string next_page_token;  // "" on the last page
  std::vector<std::string> broken_models;
};

ModelSearchPage search_registered_models(const Snapshot& snapshot, const std::string& filter,
                                         const std::vector<std::string>& order_by = {},
                                         std::int64_t max_results = kModelSearchDefaultMaxResults,
                                         const std::string& page_token = "");
VersionSearchPage search_model_versions(const Snapshot& snapshot, const std::string& filter,
                                        const std::vector<std::string>& order_by = {},
                                        std::int64_t max_results = kVersionSearchDefaultMaxResults,
                                        const std::string& page_token = "");

}  // namespace mreg
