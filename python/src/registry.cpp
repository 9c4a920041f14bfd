// mreg._core.Registry: a registry to write to (each write one commit, as the CLI makes it),
// opened from a path or from a remote URL through mreg's cache of it; check and verify.
#include <cstdlib>
#include <optional>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "mreg/registry.h"
#include "mreg/remote.h"
#include "mreg/verify.h"
#include "values.h"

namespace py = pybind11;

namespace mreg::python {

namespace {

// MREG_TRUSTED_ROOT, else the repository's mreg.trustedRoot, as the CLI reads them.
std::string trusted_root_of(const Registry& registry) {
  if (const char* env = std::getenv("MREG_TRUSTED_ROOT"); env && *env) return env;
  return registry.config_value("mreg.trustedRoot").value_or("");
}

Identity identity_of(const py::object& author) {
  auto [name, email] = author.cast<std::pair<std::string, std::string>>();
  Identity id;
  id.name = name;
  id.email = email;
  return id;
}

// A registry and how its writes are made: to its own branch, or pushed to the
// remote it was opened from.
struct BoundRegistry {
  Registry registry;
  std::optional<PushTarget> push;

  WriteOptions options(const py::object& author, bool create_tags) const {
    WriteOptions opts;
    opts.create_tags = create_tags;
    opts.push = push;
    opts.trusted_root = trusted_root_of(registry);
    if (!author.is_none()) opts.author = identity_of(author);
    return opts;
  }
};

PushTarget push_target_for(const Registry& r, const std::string& url) {
  PushTarget target = default_push_target(r);
  target.credentials = RemoteCredentials::from_environment().with_password_of(url);
  return target;
}

}  // namespace

void bind_registry(py::module_& m) {
  py::class_<BoundRegistry>(m, "Registry")
      .def_static("open", [](const std::string& path) { return BoundRegistry{Registry::open(path), std::nullopt}; })
      .def_static("open_remote",
                  [](const std::string& url) {
                    Registry r = open_remote(url, RemoteCredentials::from_environment());
                    PushTarget target = push_target_for(r, url);
                    return BoundRegistry{std::move(r), target};
                  })
      .def_static("init",
                  [](const std::string& path, const std::string& registry_id, const std::vector<std::string>& stages,
                     bool bare, const py::object& author) {
                    InitOptions init;
                    init.registry_id = registry_id;
                    if (!stages.empty()) init.stages = stages;
                    init.bare = bare;
                    WriteOptions opts;
                    if (!author.is_none()) opts.author = identity_of(author);
                    return BoundRegistry{Registry::init(path, init, opts), std::nullopt};
                  })
      .def("at", [](const BoundRegistry& r, const std::string& rev) { return r.registry.at(rev); })
      .def_property_readonly("path", [](const BoundRegistry& r) { return r.registry.path(); })
      .def_property_readonly("is_bare", [](const BoundRegistry& r) { return r.registry.is_bare(); })
      .def_property_readonly("last_commit", [](const BoundRegistry& r) { return r.registry.last_commit(); })
      .def("create_registered_model",
           [](BoundRegistry& r, const std::string& name, const std::string& description, const py::object& tags,
              const py::object& author, bool create_tags) {
             RegisteredModel m = r.registry.create_registered_model(name, description, tag_map(tags),
                                                                    r.options(author, create_tags));
             return model_dict(m, {});
           })
      .def("update_registered_model",
           [](BoundRegistry& r, const std::string& name, const std::string& description, const py::object& author,
              bool create_tags) {
             return model_dict(
                 r.registry.update_registered_model(name, description, r.options(author, create_tags)), {});
           })
      .def("rename_registered_model",
           [](BoundRegistry& r, const std::string& name, const std::string& new_name, const py::object& author,
              bool create_tags) {
             return model_dict(
                 r.registry.rename_registered_model(name, new_name, r.options(author, create_tags)), {});
           })
      .def("delete_registered_model",
           [](BoundRegistry& r, const std::string& name, const py::object& author, bool create_tags) {
             r.registry.delete_registered_model(name, r.options(author, create_tags));
           })
      .def("set_registered_model_tag",
           [](BoundRegistry& r, const std::string& name, const std::string& key, const std::string& value,
              const py::object& author, bool create_tags) {
             return model_dict(
                 r.registry.set_registered_model_tag(name, key, value, r.options(author, create_tags)), {});
           })
      .def("delete_registered_model_tag",
           [](BoundRegistry& r, const std::string& name, const std::string& key, const py::object& author,
              bool create_tags) {
             return model_dict(
                 r.registry.delete_registered_model_tag(name, key, r.options(author, create_tags)), {});
           })
      .def("create_model_version",
           [](BoundRegistry& r, const std::string& name, const std::string& source, const std::string& run_id,
              const std::string& run_link, const std::string& experiment_id, const std::string& model_id,
              const std::string& storage_location, const std::string& description, const std::string& digest,
              const std::vector<std::string>& flavors, const py::object& signature, const py::object& tags,
              bool create_model, const py::object& author, bool create_tags) {
             NewVersion v;
             v.source = source;
             v.run_id = run_id;
             v.run_link = run_link;
             v.experiment_id = experiment_id;
             v.model_id = model_id;
             v.storage_location = storage_location;
             v.description = description;
             v.digest = digest;
             v.flavors = flavors;
             v.signature = json_of(signature);
             v.tags = tag_map(tags);
             return version_dict(
                 r.registry.create_model_version(name, v, r.options(author, create_tags), create_model));
           })
      .def("copy_model_version",
           [](BoundRegistry& r, const Snapshot& source, const std::string& src_name, std::int64_t src_version,
              const std::string& dst_name, bool create_model, const py::object& author, bool create_tags) {
             return version_dict(r.registry.copy_model_version(source, src_name, src_version, dst_name,
                                                                       r.options(author, create_tags), create_model));
           })
      .def("update_model_version",
           [](BoundRegistry& r, const std::string& name, std::int64_t version, const std::string& description,
              const py::object& author, bool create_tags) {
             return version_dict(
                 r.registry.update_model_version(name, version, description, r.options(author, create_tags)));
           })
      .def("delete_model_version",
           [](BoundRegistry& r, const std::string& name, std::int64_t version, const py::object& author,
              bool create_tags) { r.registry.delete_model_version(name, version, r.options(author, create_tags)); })
      .def("set_model_version_tag",
           [](BoundRegistry& r, const std::string& name, std::int64_t version, const std::string& key,
              const std::string& value, const py::object& author, bool create_tags) {
             return version_dict(
                 r.registry.set_model_version_tag(name, version, key, value, r.options(author, create_tags)));
           })
      .def("delete_model_version_tag",
           [](BoundRegistry& r, const std::string& name, std::int64_t version, const std::string& key,
              const py::object& author, bool create_tags) {
             return version_dict(
                 r.registry.delete_model_version_tag(name, version, key, r.options(author, create_tags)));
           })
      .def("transition_stage",
           [](BoundRegistry& r, const std::string& name, std::int64_t version, const std::string& stage,
              bool archive_existing, const std::string& comment, const py::object& author, bool create_tags) {
             return version_dict(r.registry.transition_stage(name, version, stage, archive_existing, comment,
                                                                     r.options(author, create_tags)));
           })
      .def("set_alias",
           [](BoundRegistry& r, const std::string& name, const std::string& alias, std::int64_t version,
              const py::object& author, bool create_tags) {
             return version_dict(r.registry.set_alias(name, alias, version, r.options(author, create_tags)));
           })
      .def("delete_alias",
           [](BoundRegistry& r, const std::string& name, const std::string& alias, const py::object& author,
              bool create_tags) { r.registry.delete_alias(name, alias, r.options(author, create_tags)); })
      .def("comment",
           [](BoundRegistry& r, const std::string& name, std::int64_t version, const std::string& text,
              const py::object& author, bool create_tags) {
             r.registry.comment(name, version, text, r.options(author, create_tags));
           })
      .def("create_request",
           [](BoundRegistry& r, const std::string& name, std::int64_t version, const std::string& to_stage,
              const std::string& alias, const std::string& remove_alias, bool delete_version, bool archive_existing,
              const std::string& comment, const py::object& author, bool create_tags) {
             RequestSpec spec;
             spec.to_stage = to_stage;
             spec.alias = alias;
             spec.remove_alias = remove_alias;
             spec.delete_version = delete_version;
             spec.archive_existing = archive_existing;
             spec.comment = comment;
             return request_dict(
                 r.registry.create_request(name, version, spec, {}, false, r.options(author, create_tags)));
           })
      .def("apply_request",
           [](BoundRegistry& r, const std::string& name, const std::string& request_id, const std::string& comment,
              const py::object& author, bool create_tags) {
             return version_dict(
                 r.registry.apply_request(name, request_id, comment, r.options(author, create_tags)));
           })
      .def("close_request",
           [](BoundRegistry& r, const std::string& name, const std::string& request_id, const std::string& outcome,
              const std::string& comment, const py::object& author, bool create_tags) {
             r.registry.close_request(name, request_id, outcome, comment, {}, r.options(author, create_tags));
           })
      .def("add_approval",
           [](BoundRegistry& r, const std::string& name, const std::string& request_id, const std::string& principal,
              const std::string& payload, const std::string& signature, const std::string& comment,
              const py::object& author, bool create_tags) {
             r.registry.add_approval(name, request_id, principal, payload, signature, comment,
                                     r.options(author, create_tags));
           })
      .def("init_policy",
           [](BoundRegistry& r, const std::string& text, const py::object& author, bool create_tags) {
             r.registry.init_policy(text, r.options(author, create_tags));
           })
      .def("propose_policy",
           [](BoundRegistry& r, const std::string& text, const py::object& author, bool create_tags) {
             return r.registry.propose_policy(text, r.options(author, create_tags));
           })
      .def("add_policy_signature",
           [](BoundRegistry& r, std::int64_t version, const std::string& principal, const std::string& signature,
              const py::object& author, bool create_tags) {
             r.registry.add_policy_signature(version, principal, signature, r.options(author, create_tags));
           })
      .def("sync_tags", [](BoundRegistry& r) { return r.registry.sync_tags(); })
      .def("pull",
           [](BoundRegistry& r) {
             PullResult result = pull(r.registry, push_target_for(r.registry, ""));
             return py::make_tuple(result.before, result.after);
           })
      .def("push",
           [](BoundRegistry& r) {
             PushResult result = push(r.registry, push_target_for(r.registry, ""));
             return py::make_tuple(result.commit, result.tags);
           })
      .def("check",
           [](const BoundRegistry& r, const std::string& rev) {
             return problems_list(check_registry(r.registry, rev));
           })
      .def("verify", [](const BoundRegistry& r, const std::string& rev, const std::string& base,
                        const std::string& since, const std::string& trusted_root) {
        VerifyOptions o;
        o.rev = rev;
        o.base = base;
        o.since = since;
        o.trusted_root = trusted_root;
        if (o.trusted_root.empty()) o.trusted_root = trusted_root_of(r.registry);
        return verify_dict(verify_registry(r.registry, o));
      });
}

}  // namespace mreg::python
