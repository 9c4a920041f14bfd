// One error type for the whole core, carrying MLflow's error codes so that the
// CLI can map them to exit codes and the HTTP view to statuses.
#pragma once

#include <stdexcept>
#include <string>

namespace mreg {

enum class ErrorCode {
  INTERNAL_ERROR,
  BAD_REQUEST,
  INVALID_PARAMETER_VALUE,
  RESOURCE_DOES_NOT_EXIST,
  RESOURCE_ALREADY_EXISTS,
  RESOURCE_CONFLICT,
  PERMISSION_DENIED,
  INVALID_STATE,
};

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code), message_(message) {}
  ErrorCode code() const { return code_; }
  // The whole message; what() ends at the first NUL byte, which a request may carry.
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

// Shorthands for the common cases.
[[noreturn]] void throw_invalid(const std::string& message);
[[noreturn]] void throw_not_found(const std::string& message);
[[noreturn]] void throw_exists(const std::string& message);

}  // namespace mreg
