// Validation of registry files against the JSON Schemas in schemas/, which are
// compiled into the library so that the binary and the files never disagree.
#pragma once

#include <string>
#include <vector>

#include "mreg/problem.h"
#include "yaml_doc.h"

namespace mreg {

enum class SchemaKind { Registry, Model, Version, Request, Policy };

// Problems of `doc` (read from `path`) against the schema, each with its line.
std::vector<Problem> validate(SchemaKind kind, const YamlDocument& doc, const std::string& path);
// The same for a value about to be written; throws ManifestError when it does not fit.
void validate_for_write(SchemaKind kind, const Json& value, const std::string& path);

const char* schema_text(SchemaKind kind);

// The full validation alone (valijson and the patterns), without the generated checks of
// schema_checks.h that validate() tries first: what tests compare those checks with.
bool fits_schema_fully(SchemaKind kind, const Json& value);

}  // namespace mreg
