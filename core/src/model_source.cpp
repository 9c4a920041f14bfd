#include "mreg/model_source.h"

#include <regex>
#include <utility>
#include <vector>

#include "mreg/error.h"
#include "mreg/remote.h"

namespace mreg {
namespace {

// The network schemes mreg downloads from once their opener is registered.
const char* const kNetworkPrefixes[] = {"http://", "https://", "s3://"};

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Registered once at start-up, before any thread runs: read without a lock.
std::vector<std::pair<std::string, ModelSourceOpener>>& openers() {
  static std::vector<std::pair<std::string, ModelSourceOpener>> all;
  return all;
}

ModelSourceOpener opener_for(const std::string& source) {
  for (const auto& [prefix, open] : openers())
    if (starts_with(source, prefix)) return open;
  return nullptr;
}

const char* network_prefix(const std::string& source) {
  for (const char* prefix : kNetworkPrefixes)
    if (starts_with(source, prefix)) return prefix;
  return nullptr;
}

}  // namespace

void register_model_source(const std::string& prefix, ModelSourceOpener open) { openers().emplace_back(prefix, open); }

bool source_opens_here(const std::string& source) { return opener_for(source) || !network_prefix(source); }

std::unique_ptr<ModelSource> open_model_source(const std::string& source, DigestAlgorithm algorithm) {
  if (source.empty()) throw_invalid("the version has no source");
  if (const ModelSourceOpener open = opener_for(source)) return open(source, algorithm);
  if (const char* prefix = network_prefix(source))
    throw Error(ErrorCode::INTERNAL_ERROR, std::string("downloading from ") + prefix +
                                               " needs mreg-http, which is installed with mreg");
  if (starts_with(source, "file://")) return local_source(source);
  // Any other scheme: runs:/, models:/, gs://, dbfs:/, mlflow-artifacts:/ ...
  static const std::regex scheme("^([A-Za-z][A-Za-z0-9+.-]*):/");
  std::smatch m;
  if (std::regex_search(source, m, scheme))
    throw_invalid("source " + redacted_url(source) + ": cannot download from " + m[1].str() +
                  ": sources (mreg downloads from a path, file://, http(s):// and s3://)");
  return local_source(source);
}

}  // namespace mreg
