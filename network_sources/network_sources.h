// The sources `mreg download` reaches over the network: http(s) folders with a
// SHA256SUMS or B3SUMS listing and S3 prefixes. They need cpp-httplib and OpenSSL's TLS,
// so they are linked only into mreg-http, which registers them with the core.
#pragma once

#include <memory>
#include <string>

#include "mreg/model_source.h"

namespace mreg {

// Registers http://, https:// and s3:// with register_model_source.
void register_network_sources();

// `algorithm` picks the http listing: SHA256SUMS or B3SUMS. S3 lists its objects itself.
std::unique_ptr<ModelSource> http_source(const std::string& url, DigestAlgorithm algorithm);
std::unique_ptr<ModelSource> s3_source(const std::string& url, DigestAlgorithm algorithm);

}  // namespace mreg
