// Versions side by side: `mreg compare`, and the promotion comparison of `mreg review`
// (the candidate beside the version that holds the stage or alias now). One module, so
// that both show the same fields, the same signature changes and the same differences.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mreg/types.h"

namespace mreg {

// b - a for two tag values that are both decimal numbers ("0.41", "-3", "1e-3"), rounded
// to the decimals they are written with, so that 0.37 - 0.41 is -0.04 and not
// -0.040000000000000036. nullopt when either is not a number.
struct NumericDifference {
  double value = 0;
  std::string text;  // signed: "-0.04", "+12", "+0"
};
std::optional<NumericDifference> numeric_difference(const std::string& a, const std::string& b);

// One column of an MLflow model signature section (inputs, outputs, params).
struct SchemaColumn {
  std::string name;  // "#1", "#2" ... for unnamed (tensor) columns, by position
  std::string type;  // "double", "tensor(float32, [-1, 4])", "long (optional)", ...
};
// A section of the `signature` field (an MLmodel signature: JSON text, or a list) as columns;
// text that is not such JSON is one column named "(schema)" whose type is the text.
std::vector<SchemaColumn> signature_columns(const Json& section);

struct SchemaChange {
  std::string section;  // inputs, outputs, params
  std::string column;
  std::string change;   // added, removed, retyped
  std::string old_type, new_type;  // empty for an added (old) or removed (new) column
};
// How the signature of `after` differs from that of `before`, section by section, in
// column order of `after` (removed columns after).
std::vector<SchemaChange> signature_changes(const Json& before, const Json& after);

// One field of each version, side by side; nullopt where a version has no value.
struct ComparedField {
  std::string field;  // "source", "run_id", ...; a tag's key among `tags`
  std::vector<std::optional<std::string>> values;
  // [i]: values[i] - values[0] where both are numbers and differ; [0] is always nullopt.
  std::vector<std::optional<NumericDifference>> differences;
  bool differs() const;
};

struct VersionComparison {
  std::vector<ModelVersion> versions;  // the first is what the others are compared against
  // stage, aliases, source, run_id, run_link, experiment_id, digest, flavors, copied_from,
  // created_at, created_by: always these, in this order.
  std::vector<ComparedField> fields;
  std::vector<ComparedField> tags;  // every tag key any of the versions has, by key
  // [i]: the signature of versions[i] against that of versions[0]; [0] is empty.
  std::vector<std::vector<SchemaChange>> signature_changes;
};
VersionComparison compare_versions(std::vector<ModelVersion> versions);

// Every field of a version as text, in manifest order, for field-by-field changes
// (`updated_at` left out: it changes with every change). Tags as "tags.KEY".
std::vector<std::pair<std::string, std::string>> version_field_values(const ModelVersion& v);

}  // namespace mreg
