// The mreg binary is linked without HTTP: cpp-httplib's library, OpenSSL's TLS and brotli would
// be loaded and initialised at the start of every command (bench/startup-results.md). The
// commands that speak HTTP hand the process over to mreg-http, the same command line built with
// HTTP, installed beside mreg: `serve`, `events --post`, `import mlflow --from-server` and
// `download` from an http(s):// or s3:// source reach these definitions before they write or
// print anything, so running the whole command line again there does the same work once.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "download_sources.h"
#include "mlflow_client.h"
#include "mreg/error.h"
#include "mreg/model_source.h"
#include "serve.h"
#include "webhook.h"

namespace mreg::cli {
namespace {

// This process's own arguments, as the kernel keeps them.
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  for (std::size_t at = 0; at < all.size();) {
    const std::size_t end = all.find('\0', at);
    out.push_back(all.substr(at, end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

std::string own_folder() {
  std::string path(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", path.data(), path.size());
  if (n <= 0) return ".";
  path.resize(static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/'));
}

[[noreturn]] void hand_over(const std::string& what) {
  const std::string folder = own_folder();
  // Beside mreg in a build folder, in libexec/mreg when installed.
  const std::vector<std::string> candidates = {folder + "/mreg-http", folder + "/../libexec/mreg/mreg-http"};
  std::vector<std::string> args = own_arguments();
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  std::string tried;
  for (const auto& path : candidates) {
    if (access(path.c_str(), X_OK) == 0) execv(path.c_str(), argv.data());
    tried += (tried.empty() ? "" : ", ") + path + " (" + std::strerror(errno) + ")";
  }
  throw Error(ErrorCode::INTERNAL_ERROR,
              what + " needs mreg-http, which is installed with mreg; not found or not runnable: " + tried);
}

}  // namespace

std::vector<Delivery> post_all(const std::string&, const std::string&, const std::vector<std::string>&) {
  hand_over("events --post");
}

MlflowRegistry read_mlflow_server(const std::string&) { hand_over("import mlflow --from-server"); }

void prepare_download_from(const std::string& source) {
  if (!source_opens_here(source)) hand_over("download from " + source.substr(0, source.find("://") + 3));
}

}  // namespace mreg::cli

namespace mreg::server {

void serve(ServeOptions opts) {
  check_options(opts);  // a usage error is reported here, without starting mreg-http
  cli::hand_over("serve");
}

}  // namespace mreg::server
