// What mreg learns from an MLflow model directory: the MLmodel file's run id,
// flavors and signature, and a content digest of the directory's files.
#pragma once

#include <string>
#include <vector>

#include "mreg/types.h"

namespace mreg {

struct ModelDirInfo {
  std::string run_id;
  std::vector<std::string> flavors;
  Json signature;  // null when the MLmodel file has none
  std::string digest;
};

// Throws INVALID_PARAMETER_VALUE naming the directory or the MLmodel file.
ModelDirInfo read_model_dir(const std::string& dir);

// "sha256:" + SHA-256 over "<sha256 of file>  <relative path>\n" lines, one per
// regular file (symbolic links followed), sorted by path bytewise, leaving out a
// top-level registered_model_meta. The same as this pipeline, run in the directory:
//   find -L . -type f ! -path ./registered_model_meta -printf '%P\n' | LC_ALL=C sort |
//     xargs -d '\n' sha256sum | sha256sum
std::string model_dir_digest(const std::string& dir);

std::string sha256_hex(const std::string& data);

}  // namespace mreg
