// What mreg learns from an MLflow model directory: the MLmodel file's run id, model id,
// flavors and signature, and a content digest of the directory's files.
#pragma once

#include <string>
#include <vector>

#include "mreg/content_hash.h"
#include "mreg/types.h"

namespace mreg {

struct ModelDirInfo {
  std::string run_id;
  std::string model_id;  // MLflow 3 writes the logged model's id
  std::vector<std::string> flavors;
  Json signature;  // null when the MLmodel file has none
  std::string digest;
};

// Throws INVALID_PARAMETER_VALUE naming the directory or the MLmodel file. The digest is
// taken with `algorithm`.
ModelDirInfo read_model_dir(const std::string& dir, DigestAlgorithm algorithm = DigestAlgorithm::sha256);

// "sha256:" + SHA-256 over "<sha256 of file>  <relative path>\n" lines, one per
// regular file (symbolic links followed), sorted by path bytewise, leaving out a
// top-level registered_model_meta. The same as this pipeline, run in the directory:
//   find -L . -type f ! -path ./registered_model_meta -printf '%P\n' | LC_ALL=C sort |
//     xargs -d '\n' sha256sum | sha256sum
// With BLAKE3, "blake3:" and the same with b3sum in place of sha256sum.
std::string model_dir_digest(const std::string& dir, DigestAlgorithm algorithm = DigestAlgorithm::sha256);

// The regular files below dir (symbolic links followed, any depth) as paths
// relative to it with '/' separators, in no particular order. `what` names the
// folder in errors (INVALID_PARAMETER_VALUE).
std::vector<std::string> model_dir_files(const std::string& dir, const std::string& what);

// One file of a model directory: its path relative to the directory ('/'
// separators) and the lower-case hex hash of its bytes (of the digest's algorithm).
struct FileDigest {
  std::string path;
  std::string hash;
};

// The model digest (as above) of files whose hashes are known already, in any
// order; a top-level registered_model_meta is left out.
std::string model_digest(std::vector<FileDigest> files, DigestAlgorithm algorithm);

// Whether the model digest leaves this relative path out.
bool left_out_of_digest(const std::string& path);

}  // namespace mreg
