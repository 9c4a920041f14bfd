#include "mreg/error.h"

namespace mreg {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::INTERNAL_ERROR: return "INTERNAL_ERROR";
    case ErrorCode::BAD_REQUEST: return "BAD_REQUEST";
    case ErrorCode::INVALID_PARAMETER_VALUE: return "INVALID_PARAMETER_VALUE";
    case ErrorCode::RESOURCE_DOES_NOT_EXIST: return "RESOURCE_DOES_NOT_EXIST";
    case ErrorCode::RESOURCE_ALREADY_EXISTS: return "RESOURCE_ALREADY_EXISTS";
    case ErrorCode::RESOURCE_CONFLICT: return "RESOURCE_CONFLICT";
    case ErrorCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case ErrorCode::INVALID_STATE: return "INVALID_STATE";
  }
  return "INTERNAL_ERROR";
}

void throw_invalid(const std::string& message) {
  throw Error(ErrorCode::INVALID_PARAMETER_VALUE, message);
}
void throw_not_found(const std::string& message) {
  throw Error(ErrorCode::RESOURCE_DOES_NOT_EXIST, message);
}
void throw_exists(const std::string& message) {
  throw Error(ErrorCode::RESOURCE_ALREADY_EXISTS, message);
}

}  // namespace mreg
