#include "mreg/model_dir.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "mreg/error.h"
#include "mreg/hex.h"

namespace fs = std::filesystem;

namespace mreg {
namespace {

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void update(const char* data, size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    return hex_encode(md, len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

std::string file_sha256(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw_invalid("cannot read " + path.string());
  Sha256 h;
  char buf[1 << 16];
  while (f) {
    f.read(buf, sizeof buf);
    h.update(buf, static_cast<size_t>(f.gcount()));
  }
  return h.hex();
}


}  // namespace

std::string sha256_hex(const std::string& data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.hex();
}

std::string model_dir_digest(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw_invalid("--model-dir: " + dir + " is not a directory");
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw_invalid("--model-dir: cannot read " + dir + ": " + ec.message());
    // fs::is_regular_file(path) follows symbolic links (the cached entry type does not).
    if (!fs::is_regular_file(it->path(), ec)) continue;
    // Lexically: fs::relative would resolve a symbolic link to its target's name.
    std::string rel = it->path().lexically_relative(dir).generic_string();
    if (rel == "registered_model_meta") continue;
    files.push_back(rel);
  }
  std::sort(files.begin(), files.end());
  Sha256 total;
  for (const auto& rel : files) {
    std::string line = file_sha256(fs::path(dir) / rel) + "  " + rel + "\n";
    total.update(line.data(), line.size());
  }
  return "sha256:" + total.hex();
}

ModelDirInfo read_model_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw_invalid("--model-dir: " + dir + " is not a directory");
  const fs::path mlmodel = fs::path(dir) / "MLmodel";
  if (!fs::is_regular_file(mlmodel, ec))
    throw_invalid("--model-dir: " + mlmodel.string() + " not found: an MLflow model directory has an MLmodel file");
  ModelDirInfo info;
  YAML::Node root;
  try {
    root = YAML::LoadFile(mlmodel.string());
  } catch (const YAML::Exception& e) {
    throw_invalid(mlmodel.string() + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
  }
  if (!root.IsMap()) throw_invalid(mlmodel.string() + ": not an MLmodel file (expected a mapping)");
  if (root["run_id"] && root["run_id"].IsScalar()) info.run_id = root["run_id"].Scalar();
  if (root["flavors"] && root["flavors"].IsMap())
    for (const auto& kv : root["flavors"]) info.flavors.push_back(kv.first.as<std::string>());
  if (root["signature"] && root["signature"].IsMap()) {
    info.signature = Json::object();
    for (const auto& kv : root["signature"])
      if (kv.second.IsScalar()) info.signature[kv.first.as<std::string>()] = kv.second.Scalar();
  }
  info.digest = model_dir_digest(dir);
  return info;
}

}  // namespace mreg
