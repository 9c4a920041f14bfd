// How `mreg review` shows a branch: JSON for programs, and one report printed as text or
// as Markdown for a pull-request comment.
#pragma once

#include "mreg/mlflow_json.h"
#include "mreg/review.h"
#include "report_doc.h"

namespace mreg::cli {

OrderedJson review_json(const BranchReview& review);
ReportDoc review_doc(const BranchReview& review);

}  // namespace mreg::cli
