// What `download` does before it fetches from a version's source: mreg-http opens the network
// sources itself (cli/network_download.cpp); mreg, linked without HTTP, hands such a download
// over to mreg-http (cli/http_handover.cpp) and downloads from local folders itself.
#pragma once

#include <string>

namespace mreg::cli {

void prepare_download_from(const std::string& source);

}  // namespace mreg::cli
