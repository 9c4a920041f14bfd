// AWS Signature Version 4 for a request without a body (GET), as S3 checks it.
#pragma once

#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace mreg {

struct AwsCredentials {
  std::string access_key_id, secret_access_key, session_token;
  bool empty() const { return access_key_id.empty(); }
};

struct SigV4Request {
  std::string method = "GET";
  std::string canonical_uri;  // the path as sent: each segment URI-encoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values
  // Headers to sign, names in lower case; host among them.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // hex SHA-256 of the body
};

// "20130524T000000Z" for a time.
std::string amz_date(std::time_t t);

// The value of the Authorization header for request, signed at amz_date
// ("YYYYMMDDTHHMMSSZ", also sent as x-amz-date) for region and service.
std::string sigv4_authorization(const SigV4Request& request, const AwsCredentials& credentials,
                                const std::string& region, const std::string& service, const std::string& amz_date);

// The query string as sent and signed: name=value pairs sorted, URI-encoded, joined by '&'.
std::string canonical_query(std::vector<std::pair<std::string, std::string>> query);

}  // namespace mreg
