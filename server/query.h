// The query string of a request as browsers and Python's requests send it:
// '+' is a space (form encoding), %XX a byte. httplib keeps '+' as it is.
#pragma once

#include <map>
#include <string>

namespace httplib {
struct Request;
}

namespace mreg::server {

std::multimap<std::string, std::string> query_params(const httplib::Request& req);
// The first value of `name`, or "".
std::string query_value(const httplib::Request& req, const std::string& name);

}  // namespace mreg::server
