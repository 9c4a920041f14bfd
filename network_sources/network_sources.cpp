#include "network_sources.h"

namespace mreg {

void register_network_sources() {
  register_model_source("http://", http_source);
  register_model_source("https://", http_source);
  register_model_source("s3://", s3_source);
}

}  // namespace mreg
