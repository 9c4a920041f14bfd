#include "pages.h"

#include <httplib.h>

#include "snapshot_source.h"

namespace mreg::server {

void handle_page(const httplib::Request& req, httplib::Response& res, const std::string& path,
                 const ServeOptions& opts, const SnapshotSource& source) {
  res.status = 404;
  res.set_content("Not found\n", "text/plain; charset=utf-8");
}

}  // namespace mreg::server
