// Checks generated at build time from schemas/*.schema.json (core/codegen): each answers
// whether a value certainly fits its schema, with no schema to load first. They take a
// subset of JSON Schema (what schemas/ uses, bar oneOf and the patterns QuickPattern leaves
// out); a part of a schema outside it answers "no", and the caller then validates the value
// the full way (schema.cpp), which is also what says why a value does not fit.
#pragma once

#include "mreg/types.h"

namespace mreg::generated_schema_checks {

bool accepts_registry(const Json& value);
bool accepts_model(const Json& value);
bool accepts_version(const Json& value);
bool accepts_request(const Json& value);
bool accepts_policy(const Json& value);

}  // namespace mreg::generated_schema_checks
