// The trailers of mreg's commit messages ("Mreg-Op: register"), written and read in one place.
//
// git trims a trailer's value, so a value with blanks at either end (a model named " m ")
// would not read back as written. Such a value is written under KEY-Encoded, with '%' and
// those blanks as %XX, and read back under KEY as it was (FORMAT.md, "Commits").
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mreg {

using Trailers = std::vector<std::pair<std::string, std::string>>;

// "KEY: VALUE\n", or "KEY-Encoded: ...\n" for a value that git would not keep as it is.
std::string trailer_line(const std::string& key, const std::string& value);

// A commit message's trailers in order, encoded values decoded under their plain key.
Trailers read_trailers(const std::string& message);

// The first value of KEY, "" when there is none.
std::string trailer_value(const Trailers& trailers, const std::string& key);

}  // namespace mreg
