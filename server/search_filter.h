// The search filters of registered-models/search and model-versions/search,
// and the search box of the models page.
//
// A small stand-in for MLflow's filter grammar, kept in this one place so that
// the full grammar (the search issue) can replace it by swapping these two
// functions: clauses joined by AND, each `KEY OP 'value'` with
//   models:   name (=, !=, LIKE, ILIKE), tag.KEY (=, !=)
//   versions: name (=, !=, LIKE, ILIKE), run_id (=, !=), tag.KEY (=, !=)
// Keys may be `backquoted`; LIKE takes % and _ wildcards, ILIKE ignores case.
// As in MLflow's own stores, `tag.mlflow.prompt.is_prompt != 'true'` (which
// MLflow clients from 2.21 add to every model search) matches models without
// that tag; any other condition on a missing tag is false.
#pragma once

#include <functional>
#include <string>

#include "mreg/types.h"

namespace mreg::server {

using ModelFilter = std::function<bool(const RegisteredModel&)>;
using VersionFilter = std::function<bool(const ModelVersion&)>;

// INVALID_PARAMETER_VALUE with MLflow's wording for a filter it cannot read.
ModelFilter parse_model_filter(const std::string& filter);
VersionFilter parse_version_filter(const std::string& filter);

// The model name an exact `name = '...'` clause pins, so that a search can read one model; "" when none.
std::string pinned_model_name(const std::string& filter);

// SQL LIKE: % any run of characters, _ any one character (bytes).
bool like(const std::string& text, const std::string& pattern, bool ignore_case);

}  // namespace mreg::server
