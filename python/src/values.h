// The core's values as Python dicts with MLflow's field names (mreg/_values.py
// turns them into dataclasses). Timestamps are milliseconds, as in MLflow.
#pragma once

#include <pybind11/pybind11.h>

#include "mreg/registry.h"
#include "mreg/verify.h"

namespace mreg::python {

pybind11::dict version_dict(const ModelVersion& v);
pybind11::dict model_dict(const RegisteredModel& m, const std::vector<ModelVersion>& latest_versions);
pybind11::dict summary_dict(const ModelSummary& s);
pybind11::dict request_dict(const TransitionRequest& r);
pybind11::dict verify_dict(const VerifyReport& r);
pybind11::list problems_list(const std::vector<Problem>& problems);

// Python values in, core values out.
TagMap tag_map(const pybind11::object& tags);  // None or a dict of str -> str
Json json_of(const pybind11::object& value);   // None, or anything json.dumps takes

}  // namespace mreg::python
