#include "model_source.h"

#include <regex>

#include "mreg/error.h"
#include "mreg/remote.h"

namespace mreg {

std::unique_ptr<ModelSource> open_model_source(const std::string& source) {
  if (source.empty()) throw_invalid("the version has no source");
  if (source.rfind("s3://", 0) == 0) return s3_source(source);
  if (source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0) return http_source(source);
  if (source.rfind("file://", 0) == 0) return local_source(source);
  // Any other scheme: runs:/, models:/, gs://, dbfs:/, mlflow-artifacts:/ ...
  static const std::regex scheme("^([A-Za-z][A-Za-z0-9+.-]*):/");
  std::smatch m;
  if (std::regex_search(source, m, scheme))
    throw_invalid("source " + redacted_url(source) + ": cannot download from " + m[1].str() +
                  ": sources (mreg downloads from a path, file://, http(s):// and s3://)");
  return local_source(source);
}

}  // namespace mreg
