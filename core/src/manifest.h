// The one place registry files are read and written: YAML text <-> value
// types, validated against schemas/ both ways. Readers get a ManifestError
// naming path and line; writers get canonical text (FORMAT.md).
#pragma once

#include <string>

#include "mreg/types.h"

namespace mreg {

RegistryConfig parse_registry_config(const std::string& text, const std::string& path);
RegisteredModel parse_model(const std::string& text, const std::string& path);
ModelVersion parse_version(const std::string& text, const std::string& path);

TransitionRequest parse_request(const std::string& text, const std::string& path);
std::string render_request(const TransitionRequest& request);
// sha256 of the lines name, version, source, digest and run_id: what an approval binds.
std::string version_identity_sha256(const ModelVersion& v);

std::string render_registry_config(const RegistryConfig& config);
std::string render_model(const RegisteredModel& model);
std::string render_version(const ModelVersion& version);

// Repository paths.
std::string model_dir(const std::string& name);           // models/<name>
std::string model_path(const std::string& name);          // models/<name>/model.yaml
std::string version_path(const std::string& name, std::int64_t version);
std::string request_path(const std::string& name, const std::string& id);
inline const char* registry_config_path() { return "mreg.yaml"; }

}  // namespace mreg
