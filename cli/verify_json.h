// The JSON of `mreg verify` (docs/approvals.md), also part of `mreg review -o json`.
#pragma once

#include "mreg/mlflow_json.h"
#include "mreg/verify.h"

namespace mreg::cli {

OrderedJson finding_json(const Finding& f);
OrderedJson approval_json(const ApprovalVerdict& a);
OrderedJson verdict_json(const RequestVerdict& v);
OrderedJson report_json(const VerifyReport& r);

}  // namespace mreg::cli
