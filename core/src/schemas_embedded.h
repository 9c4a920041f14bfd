// Generated at build time from schemas/*.schema.json (see core/CMakeLists.txt).
#pragma once

namespace mreg {
extern const char* const embedded_schema_registry;
extern const char* const embedded_schema_model;
extern const char* const embedded_schema_version;
extern const char* const embedded_schema_request;
extern const char* const embedded_schema_policy;
}  // namespace mreg
