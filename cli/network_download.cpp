// mreg-http downloads from the network sources: they are registered with the core here.
#include "download_sources.h"
#include "network_sources.h"

namespace mreg::cli {

void prepare_download_from(const std::string&) {
  static const bool registered = (register_network_sources(), true);
  (void)registered;
}

}  // namespace mreg::cli
