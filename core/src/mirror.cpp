#include "mreg/mirror.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "git.h"
#include "mreg/error.h"

namespace mreg {
namespace {

// A mirror names its remote in this file of its git folder: a fetch with
// pruning replaces every ref, so only a folder made as a mirror of the same
// remote is ever fetched into.
const char* const kMarker = "mreg-mirror-url";

std::string read_marker(const std::string& git_dir) {
  std::ifstream in(git_dir + kMarker);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string update_mirror(const std::string& url, const std::string& path, const RemoteCredentials& credentials) {
  const bool fresh = !std::filesystem::exists(path) || std::filesystem::is_empty(path);
  git::Repository repo = fresh ? git::Repository::init(path, true) : git::Repository::open(path);
  const std::string marked = git::strip_password(url, nullptr);  // a changed token names the same remote
  if (fresh) {
    std::ofstream(repo.git_dir() + kMarker) << marked;
  } else if (!repo.is_bare() || read_marker(repo.git_dir()) != marked) {
    throw_invalid("--mirror: " + path + " is not a mirror of " + git::redact_url(url) +
                  " (give an empty or new folder; a mirror replaces every ref of the folder it keeps)");
  }
  repo.fetch_mirror(url, credentials);
  auto head = repo.resolve_commit("HEAD");
  return head ? head->hex() : "";
}

}  // namespace mreg
