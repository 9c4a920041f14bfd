// The sources `mreg download` reaches over the network: http(s) folders with a
// SHA256SUMS listing and S3 prefixes. They need cpp-httplib and OpenSSL's TLS,
// so they are linked only into mreg-http, which registers them with the core.
#pragma once

#include <memory>
#include <string>

#include "mreg/model_source.h"

namespace mreg {

// Registers http://, https:// and s3:// with register_model_source.
void register_network_sources();

std::unique_ptr<ModelSource> http_source(const std::string& url);
std::unique_ptr<ModelSource> s3_source(const std::string& url);

}  // namespace mreg
