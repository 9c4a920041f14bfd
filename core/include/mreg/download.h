// Fetching a registered version's files from its source into a folder, checked
// against the version's digest: the bytes deployed are the bytes registered.
#pragma once

#include <cstdint>
#include <string>

#include "mreg/types.h"

namespace mreg {

struct DownloadOptions {
  std::string dest;             // the folder to create (its parent is created when missing)
  bool force = false;           // replace a DEST that is a non-empty folder, once the new files verify
  bool require_digest = false;  // refuse a version without a digest
};

struct DownloadResult {
  std::string source;  // the version's source, any password in it shown as ***
  std::string digest;  // the digest of the files written ("sha256:...")
  bool verified = false;  // the version had a digest, and it matched
  std::uint64_t files = 0, bytes = 0;
  std::string dest;  // absolute
};

// Downloads `version`'s files from its source into options.dest. Sources: a local
// path or file:// URL (a folder), http(s):// (a folder with a SHA256SUMS listing),
// s3://BUCKET/PREFIX (credentials, region and endpoint the AWS way, from the
// environment or the shared files). The files go into a temporary folder beside
// DEST, and only when their digest equals the version's are they renamed into
// place; otherwise nothing is left behind. Errors:
//   PERMISSION_DENIED   digest mismatch, no digest with require_digest, a source
//                       that refuses the credentials, a path outside DEST
//   RESOURCE_ALREADY_EXISTS  DEST is a non-empty folder (without force), or not a folder
//   INVALID_PARAMETER_VALUE  an unknown kind of source, bad AWS settings
//   RESOURCE_DOES_NOT_EXIST  the source or one of its files is missing
//   INTERNAL_ERROR      the network or the file system failed
// Reports bytes through mreg/progress.h.
DownloadResult download_model_version(const ModelVersion& version, const DownloadOptions& options);

}  // namespace mreg
