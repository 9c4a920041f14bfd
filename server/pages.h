// The HTML pages for people: plain HTML and CSS, usable without JavaScript.
// Every value read from the repository is escaped.
#pragma once

#include <string>

#include "serve.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace mreg::server {

class SnapshotSource;

// Answers a GET for a page; `path` is below the base path ("/", "/models/NAME", ...).
void handle_page(const httplib::Request& req, httplib::Response& res, const std::string& path,
                 const ServeOptions& opts, const SnapshotSource& source);

}  // namespace mreg::server
