#include "mreg/model_dir.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "mreg/error.h"

namespace fs = std::filesystem;

namespace mreg {
namespace {

std::string file_hash(const fs::path& path, DigestAlgorithm algorithm) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw_invalid("cannot read " + path.string());
  ContentHash h(algorithm);
  char buf[1 << 16];
  while (f) {
    f.read(buf, sizeof buf);
    h.update(buf, static_cast<size_t>(f.gcount()));
  }
  return h.hex();
}


}  // namespace

bool left_out_of_digest(const std::string& path) { return path == "registered_model_meta"; }

std::string model_digest(std::vector<FileDigest> files, DigestAlgorithm algorithm) {
  std::sort(files.begin(), files.end(), [](const FileDigest& a, const FileDigest& b) { return a.path < b.path; });
  ContentHash total(algorithm);
  for (const auto& f : files) {
    if (left_out_of_digest(f.path)) continue;
    const std::string line = f.hash + "  " + f.path + "\n";
    total.update(line.data(), line.size());
  }
  return std::string(digest_algorithm_name(algorithm)) + ":" + total.hex();
}

std::vector<std::string> model_dir_files(const std::string& dir, const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw_invalid(what + ": " + dir + " is not a directory");
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw_invalid(what + ": cannot read " + dir + ": " + ec.message());
    // fs::is_regular_file(path) follows symbolic links (the cached entry type does not).
    if (!fs::is_regular_file(it->path(), ec)) continue;
    // Lexically: fs::relative would resolve a symbolic link to its target's name.
    files.push_back(it->path().lexically_relative(dir).generic_string());
  }
  if (ec) throw_invalid(what + ": cannot read " + dir + ": " + ec.message());
  return files;
}

std::string model_dir_digest(const std::string& dir, DigestAlgorithm algorithm) {
  std::vector<FileDigest> files;
  for (auto& rel : model_dir_files(dir, "--model-dir"))
    if (!left_out_of_digest(rel)) files.push_back({rel, file_hash(fs::path(dir) / rel, algorithm)});
  return model_digest(std::move(files), algorithm);
}

ModelDirInfo read_model_dir(const std::string& dir, DigestAlgorithm algorithm) {
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
  if (root["model_id"] && root["model_id"].IsScalar()) info.model_id = root["model_id"].Scalar();
  if (root["flavors"] && root["flavors"].IsMap())
    for (const auto& kv : root["flavors"]) info.flavors.push_back(kv.first.as<std::string>());
  if (root["signature"] && root["signature"].IsMap()) {
    info.signature = Json::object();
    for (const auto& kv : root["signature"])
      if (kv.second.IsScalar()) info.signature[kv.first.as<std::string>()] = kv.second.Scalar();
  }
  info.digest = model_dir_digest(dir, algorithm);
  return info;
}

}  // namespace mreg
