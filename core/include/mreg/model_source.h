// Where a version's files come from: a local folder, an http(s) folder with a
// SHA256SUMS (or B3SUMS) listing, or an S3 prefix. Each lists its files, then fetches them
// one by one into a sink (one fetcher per worker thread). The core opens local
// folders itself; the network sources live in network_sources/, linked only into
// mreg-http (the mreg binary loads no HTTP or TLS library), which registers them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mreg/content_hash.h"

namespace mreg {

struct SourceFile {
  std::string path;  // relative to the source, '/' separators (as listed: not checked yet)
  std::optional<std::uint64_t> size;
  std::string hash;  // what a listing says the file hashes to (hex); "" when it says nothing
  unsigned mode = 0666;  // permission bits for the copy (before the umask)
};

// Where a fetched file's bytes go, as they arrive.
class FileSink {
 public:
  virtual ~FileSink() = default;
  virtual void write(const char* data, std::size_t n) = 0;
  // Everything from the current offset of a local file to its end.
  virtual void copy_from(int fd) = 0;
};

class FileFetcher {
 public:
  virtual ~FileFetcher() = default;
  virtual void fetch(const SourceFile& file, FileSink& sink) = 0;
};

class ModelSource {
 public:
  virtual ~ModelSource() = default;
  // The source as messages show it: no password, no signature.
  virtual std::string shown() const = 0;
  // Every file of the model. RESOURCE_DOES_NOT_EXIST when there is none.
  virtual std::vector<SourceFile> list() = 0;
  // A fetcher for one worker; workers fetch different files at the same time.
  virtual std::unique_ptr<FileFetcher> fetcher() = 0;
  // How many workers pay off: more hide a network's latency.
  virtual int workers() const = 0;

  // The listing list() read, when it is a file of the folder itself (http's
  // SHA256SUMS or B3SUMS): a digest taken where the listing was written covers it too.
  struct Listing {
    std::string path, bytes;
  };
  virtual std::optional<Listing> listing() const { return std::nullopt; }
};

// The source a version names: a path, file://, or a URL whose scheme has an
// opener registered. `algorithm` is the hash of the version's digest: a listing
// of the files (http's) is the one made with it. INVALID_PARAMETER_VALUE for a scheme mreg cannot download
// from, naming it; INTERNAL_ERROR for http(s):// or s3:// when this executable
// registered no opener for it (source_opens_here says so beforehand).
std::unique_ptr<ModelSource> open_model_source(const std::string& source,
                                               DigestAlgorithm algorithm = DigestAlgorithm::sha256);

std::unique_ptr<ModelSource> local_source(const std::string& dir);

// Opens the sources whose URL starts with `prefix` ("s3://") from now on.
using ModelSourceOpener = std::unique_ptr<ModelSource> (*)(const std::string& source, DigestAlgorithm algorithm);
void register_model_source(const std::string& prefix, ModelSourceOpener open);

// False when `source` is a network URL (http://, https://, s3://) that no
// registered opener takes: the executable has to leave it to one that has.
bool source_opens_here(const std::string& source);

}  // namespace mreg
