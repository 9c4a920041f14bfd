// mreg._core.Snapshot: the registry in one commit (mreg::Snapshot), its reads and searches.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "mreg/registry.h"
#include "mreg/search.h"
#include "values.h"

namespace py = pybind11;

namespace mreg::python {

namespace {

py::list versions_list(const std::vector<ModelVersion>& versions) {
  py::list out;
  for (const auto& v : versions) out.append(version_dict(v));
  return out;
}

}  // namespace

void bind_snapshot(py::module_& m) {
  py::class_<Snapshot>(m, "Snapshot")
      .def_property_readonly("commit_id", &Snapshot::commit_id)
      .def_property_readonly("commit_time", &Snapshot::commit_time)
      .def_property_readonly("stages", [](const Snapshot& s) { return s.config().stages; })
      .def_property_readonly("registry_id", [](const Snapshot& s) { return s.config().registry; })
      .def("model_names", &Snapshot::model_names)
      .def("has_model", &Snapshot::has_model)
      .def("get_registered_model",
           [](const Snapshot& s, const std::string& name) {
             ModelSummary summary = s.get_model_summary(name);
             return summary_dict(summary);
           })
      .def("list_registered_models",
           [](const Snapshot& s) {
             py::list out;
             s.for_each_registered_model([&](const ModelSummary& summary) { out.append(summary_dict(summary)); });
             return out;
           })
      .def("get_model_version",
           [](const Snapshot& s, const std::string& name, std::int64_t version) {
             return version_dict(s.get_model_version(name, version));
           })
      .def("get_model_versions",
           [](const Snapshot& s, const std::string& name) { return versions_list(s.get_model_versions(name)); })
      .def("get_latest_versions",
           [](const Snapshot& s, const std::string& name, const std::vector<std::string>& stages) {
             return versions_list(s.get_latest_versions(name, stages));
           })
      .def("get_model_version_by_alias",
           [](const Snapshot& s, const std::string& name, const std::string& alias) {
             return version_dict(s.get_model_version_by_alias(name, alias));
           })
      .def("resolve_model_uri",
           [](const Snapshot& s, const std::string& uri) { return version_dict(s.resolve_model_uri(uri)); })
      .def("get_requests",
           [](const Snapshot& s, const std::string& name) {
             py::list out;
             for (const auto& r : s.get_requests(name)) out.append(request_dict(r));
             return out;
           })
      .def("get_request",
           [](const Snapshot& s, const std::string& name, const std::string& id) {
             return request_dict(s.get_request(name, id));
           })
      .def("canonical_stage", &Snapshot::canonical_stage)
      .def("read_file",
           [](const Snapshot& s, const std::string& path) -> py::object {
             auto text = s.read_file(path);
             if (!text) return py::none();
             return py::bytes(*text);
           })
      .def("search_registered_models",
           [](const Snapshot& s, const std::string& filter, const std::vector<std::string>& order_by,
              std::int64_t max_results, const std::string& page_token) {
             ModelSearchPage page = search_registered_models(s, filter, order_by, max_results, page_token);
             py::list models;
             for (const auto& summary : page.registered_models) models.append(summary_dict(summary));
             return py::make_tuple(models, page.next_page_token, page.broken_models);
           })
      .def("search_model_versions",
           [](const Snapshot& s, const std::string& filter, const std::vector<std::string>& order_by,
              std::int64_t max_results, const std::string& page_token) {
             VersionSearchPage page = search_model_versions(s, filter, order_by, max_results, page_token);
             return py::make_tuple(versions_list(page.model_versions), page.next_page_token, page.broken_models);
           });
}

}  // namespace mreg::python
