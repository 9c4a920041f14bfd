#include "values.h"

#include <pybind11/stl.h>

namespace py = pybind11;

namespace mreg::python {

namespace {

py::object py_json(const Json& j) {
  if (j.is_null()) return py::none();
  return py::module_::import("json").attr("loads")(j.dump());
}

py::dict tags_dict(const TagMap& tags) {
  py::dict d;
  for (const auto& [k, v] : tags) d[py::str(k)] = py::str(v);
  return d;
}

py::object origin(const VersionOrigin& o) {
  if (o.empty()) return py::none();
  py::dict d;
  d["registry"] = o.registry;
  d["name"] = o.model;
  d["version"] = o.version;
  d["commit"] = o.commit;
  return d;
}

py::list findings_list(const std::vector<Finding>& findings) {
  py::list out;
  for (const auto& f : findings) {
    py::dict d;
    d["code"] = f.code;
    d["path"] = f.path;
    d["principal"] = f.principal;
    d["key"] = f.key;
    d["message"] = f.message;
    out.append(d);
  }
  return out;
}

}  // namespace

py::dict version_dict(const ModelVersion& v) {
  py::dict d;
  d["name"] = v.name;
  d["version"] = v.version;
  d["creation_timestamp"] = v.created_at;
  d["last_updated_timestamp"] = v.updated_at;
  d["user_id"] = v.created_by;
  d["current_stage"] = v.stage;
  d["description"] = v.description;
  d["source"] = v.source;
  d["run_id"] = v.run_id;
  d["run_link"] = v.run_link;
  d["status"] = v.status;
  d["status_message"] = v.status_message;
  d["tags"] = tags_dict(v.tags);
  d["aliases"] = py::cast(v.aliases);
  d["experiment_id"] = v.experiment_id;
  d["model_id"] = v.model_id;
  d["storage_location"] = v.storage_location;
  d["digest"] = v.digest;
  d["flavors"] = py::cast(v.flavors);
  d["signature"] = py_json(v.signature);
  d["stage_request"] = v.stage_request;
  d["copied_from"] = origin(v.copied_from);
  return d;
}

py::dict model_dict(const RegisteredModel& m, const std::vector<ModelVersion>& latest_versions) {
  py::dict d;
  d["name"] = m.name;
  d["creation_timestamp"] = m.created_at;
  d["last_updated_timestamp"] = m.updated_at;
  d["user_id"] = m.created_by;
  d["description"] = m.description;
  d["last_version"] = m.last_version;
  d["tags"] = tags_dict(m.tags);
  py::dict aliases;
  for (const auto& [alias, version] : m.aliases) aliases[py::str(alias)] = version;
  d["aliases"] = aliases;
  py::list latest;
  for (const auto& v : latest_versions) latest.append(version_dict(v));
  d["latest_versions"] = latest;
  return d;
}

py::dict summary_dict(const ModelSummary& s) {
  py::dict d = model_dict(s.model, s.latest_versions);
  d["problems"] = problems_list(s.problems);
  return d;
}

py::dict request_dict(const TransitionRequest& r) {
  py::dict d;
  d["id"] = r.id;
  d["name"] = r.model;
  d["version"] = r.version;
  d["from_stage"] = r.from_stage;
  d["to_stage"] = r.to_stage;
  d["alias"] = r.alias;
  d["remove_alias"] = r.remove_alias;
  d["delete_version"] = r.delete_version;
  d["archive_existing_versions"] = r.archive_existing;
  d["version_sha256"] = r.version_sha256;
  d["user_id"] = r.requested_by;
  d["creation_timestamp"] = r.requested_at;
  d["comment"] = r.comment;
  d["target"] = r.target();
  return d;
}

py::dict verify_dict(const VerifyReport& r) {
  py::dict d;
  d["ok"] = r.ok();
  d["mode"] = r.mode;
  d["commit"] = r.commit;
  d["base_commit"] = r.base_commit;
  d["policy_version"] = r.policy_version;
  d["root_pinned"] = r.root_pinned;
  d["problems"] = findings_list(r.problems);
  d["warnings"] = findings_list(r.warnings);
  py::list states;
  for (const auto& s : r.states) {
    py::dict st;
    st["name"] = s.model;
    st["version"] = s.version;
    st["stage"] = s.stage;
    st["alias"] = s.alias;
    st["request"] = s.request;
    st["verdict"] = s.verdict;
    st["message"] = s.message;
    states.append(st);
  }
  d["states"] = states;
  py::list requests;
  for (const auto& v : r.requests) {
    py::dict rq = request_dict(v.request);
    rq["state"] = v.state;
    rq["justified"] = v.justified();
    rq["problems"] = findings_list(v.problems);
    requests.append(rq);
  }
  d["requests"] = requests;
  d["checkpoint"] = r.checkpoint;
  return d;
}

py::list problems_list(const std::vector<Problem>& problems) {
  py::list out;
  for (const auto& p : problems) {
    py::dict d;
    d["path"] = p.path;
    d["line"] = p.line;
    d["message"] = p.message;
    out.append(d);
  }
  return out;
}

TagMap tag_map(const py::object& tags) {
  TagMap out;
  if (tags.is_none()) return out;
  for (const auto& [k, v] : tags.cast<py::dict>()) out[py::str(k)] = py::str(v);
  return out;
}

Json json_of(const py::object& value) {
  if (value.is_none()) return Json();
  return Json::parse(py::module_::import("json").attr("dumps")(value).cast<std::string>());
}

}  // namespace mreg::python
