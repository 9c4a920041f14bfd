// Versions side by side (core's compare.h) as mreg compare and mreg review show them.
#pragma once

#include <string>
#include <vector>

#include "mreg/compare.h"
#include "mreg/mlflow_json.h"
#include "report_doc.h"

namespace mreg::cli {

// {"versions": [{"name", "version", "stage"}], "fields": [Compared], "tags": [Compared],
//  "signature_changes": [{"version", "against", "changes": [SchemaChange]}]}
OrderedJson comparison_json(const VersionComparison& c);
// "0.37 (-0.04)": a value with its difference from the first version's, when numeric.
std::string value_with_difference(const std::optional<std::string>& value,
                                  const std::optional<NumericDifference>& difference);
// "humidity added (double)", "wind removed (long)", "temp retyped long -> double".
std::string schema_change_text(const SchemaChange& change);
// The side-by-side table (a column per version, headed by `labels`) and the signature
// changes of each version against the first.
void add_comparison(ReportDoc& doc, const VersionComparison& c, const std::vector<std::string>& labels);

}  // namespace mreg::cli
