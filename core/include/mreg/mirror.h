// A bare mirror of a remote registry, kept up to date by fetching: what
// `mreg serve --mirror` serves.
#pragma once

#include <string>

#include "mreg/remote_target.h"

namespace mreg {

// Makes `path` a bare repository when nothing is there yet, then fetches every
// ref of `url` into it under the same name (refs the remote no longer has are
// removed) and points HEAD where the remote's HEAD points. Returns the commit
// HEAD names afterwards, as hex ("" when the remote has none). Throws
// mreg::Error when the remote cannot be read. A password in url is used, and
// is neither written into the folder nor shown in messages.
std::string update_mirror(const std::string& url, const std::string& path, const RemoteCredentials& credentials);

}  // namespace mreg
