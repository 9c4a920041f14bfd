// Where an S3 client gets its credentials, region and endpoint, as the AWS CLI
// does: the environment first, then the profile of the shared files.
#pragma once

#include <functional>
#include <string>

#include "aws_sigv4.h"

namespace mreg {

struct AwsSettings {
  AwsCredentials credentials;  // empty: requests go unsigned (public buckets)
  std::string region = "us-east-1";
  std::string endpoint_url;  // "" = AWS itself
};

using EnvLookup = std::function<const char*(const char*)>;

// Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, else
// the profile (AWS_PROFILE, else "default") of AWS_SHARED_CREDENTIALS_FILE (else
// ~/.aws/credentials), then of AWS_CONFIG_FILE (else ~/.aws/config).
// Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1.
// Endpoint: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's s3 endpoint_url
// or endpoint_url. INVALID_PARAMETER_VALUE naming the variable or the file when
// a setting is incomplete or a named profile is in neither file. Never puts a
// secret into a message.
AwsSettings aws_settings(const EnvLookup& env);

}  // namespace mreg
