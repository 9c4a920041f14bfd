#include "mreg/download.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "download_dest.h"
#include "hashing_file.h"
#include "mreg/model_source.h"
#include "mreg/error.h"
#include "mreg/model_dir.h"
#include "mreg/remote.h"
#include "progress_report.h"

namespace fs = std::filesystem;

namespace mreg {
namespace {

std::string uri_of(const ModelVersion& v) { return "models:/" + v.name + "/" + std::to_string(v.version); }

// A listed path must stay inside DEST: relative, no empty, "." or ".." segment.
void check_paths(const std::vector<SourceFile>& files, const std::string& shown) {
  std::set<std::string> seen, folders;
  for (const auto& f : files) {
    const auto refuse = [&](const std::string& why) {
      throw Error(ErrorCode::PERMISSION_DENIED, shown + " lists '" + f.path + "': " + why);
    };
    if (f.path.empty() || f.path[0] == '/') refuse("not a relative path");
    if (f.path.find('\0') != std::string::npos) refuse("a NUL byte in the path");
    std::size_t start = 0;
    for (;;) {
      const auto slash = f.path.find('/', start);
      const std::string seg = f.path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      if (seg.empty() || seg == "." || seg == "..") refuse("a path that leaves the folder or is not plain");
      if (slash == std::string::npos) break;
      folders.insert(f.path.substr(0, slash));
      start = slash + 1;
    }
    if (!seen.insert(f.path).second) refuse("listed twice");
  }
  for (const auto& folder : folders)
    if (seen.count(folder)) throw Error(ErrorCode::PERMISSION_DENIED, shown + " lists '" + folder + "' as a file and a folder");
}

// Progress in MB when the sizes are known, else in files.
class DownloadProgress {
 public:
  DownloadProgress(const std::string& what, const std::vector<SourceFile>& files)
      : by_size_(std::all_of(files.begin(), files.end(), [](const SourceFile& f) { return f.size.has_value(); })),
        report_(what + (by_size_ ? " (MB)" : " (files)"), by_size_ ? mb(total_size(files)) : files.size()) {}
  void bytes(std::uint64_t n) {
    if (!by_size_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    bytes_ += n;
    const std::size_t now = mb(bytes_);
    if (now > shown_) report_.advance(now - shown_);
    shown_ = std::max(shown_, now);
  }
  void file_done() {
    if (!by_size_) report_.advance();
  }

 private:
  static std::size_t mb(std::uint64_t b) { return static_cast<std::size_t>(b / 1000000); }
  static std::uint64_t total_size(const std::vector<SourceFile>& files) {
    std::uint64_t t = 0;
    for (const auto& f : files) t += *f.size;
    return t;
  }
  bool by_size_;
  ProgressReport report_;
  std::mutex mutex_;
  std::uint64_t bytes_ = 0;
  std::size_t shown_ = 0;
};

// Fetches every file into folder on `workers` threads: the hash of each file as written.
std::vector<FileDigest> fetch_all(ModelSource& source, const std::vector<SourceFile>& files, const std::string& folder,
                                  DigestAlgorithm algorithm, DownloadProgress& progress, std::uint64_t& total_bytes) {
  std::vector<FileDigest> digests(files.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  const auto work = [&] {
    try {
      auto fetcher = source.fetcher();
      for (std::size_t i = next++; i < files.size() && !failed; i = next++) {
        const SourceFile& f = files[i];
        const fs::path target = fs::path(folder) / f.path;
        std::error_code ec;
        fs::create_directories(target.parent_path(), ec);
        HashingFile out(target.string(), f.mode, algorithm, [&](std::uint64_t n) { progress.bytes(n); });
        fetcher->fetch(f, out);
        if (f.size && out.bytes() != *f.size)
          throw Error(ErrorCode::INTERNAL_ERROR, source.shown() + ": " + f.path + " came with " +
                                                     std::to_string(out.bytes()) + " bytes of " + std::to_string(*f.size));
        bytes += out.bytes();
        digests[i] = {f.path, out.finish()};
        progress.file_done();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
      failed = true;
    }
  };
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, source.workers())), files.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < n; ++i) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
  total_bytes = bytes;
  return digests;
}

// The first file whose bytes differ from what the listing says, for the message.
std::string listing_difference(const std::vector<SourceFile>& files, const std::vector<FileDigest>& got) {
  for (std::size_t i = 0; i < files.size(); ++i)
    if (!files[i].hash.empty() && files[i].hash != got[i].hash)
      return files[i].path + " hashes to " + got[i].hash + ", the listing says " + files[i].hash;
  return "";
}

// Whether the digest is that of the files a listing names (false), or of those
// and the listing itself (true: the listing was written into the folder before
// the digest was taken, and goes into DEST too). PERMISSION_DENIED when neither.
bool check_listing(const ModelSource& source, const std::vector<SourceFile>& files, const std::string& digest,
                   DigestAlgorithm algorithm, const std::string& uri, const std::string& dest) {
  const bool listed = std::all_of(files.begin(), files.end(), [](const SourceFile& f) { return !f.hash.empty(); });
  if (!listed || digest.empty()) return false;
  std::vector<FileDigest> claimed;
  for (const auto& f : files) claimed.push_back({f.path, f.hash});
  const std::string without = model_digest(claimed, algorithm);
  if (without == digest) return false;
  if (const auto listing = source.listing()) {
    claimed.push_back({listing->path, content_hash_hex(algorithm, listing->bytes)});
    if (model_digest(claimed, algorithm) == digest) return true;
  }
  throw Error(ErrorCode::PERMISSION_DENIED, "digest mismatch: " + uri + " expects " + digest + ", the listing of " +
                                                source.shown() + " gives " + without + "; nothing was written to " +
                                                dest);
}

}  // namespace

DownloadResult download_model_version(const ModelVersion& v, const DownloadOptions& options) {
  const std::string uri = uri_of(v);
  if (v.digest.empty() && options.require_digest)
    throw Error(ErrorCode::PERMISSION_DENIED, uri + " has no digest, so its files cannot be checked; refusing to download");
  const auto checked = model_digest_algorithm(v.digest);
  if (!v.digest.empty() && !checked)
    throw Error(ErrorCode::PERMISSION_DENIED, uri + " has the digest '" + v.digest +
                                                  "', which mreg cannot check (expected sha256: or blake3: and 64 hex digits)");
  // A version without a digest is hashed all the same (the result reports it), the default way.
  const DigestAlgorithm algorithm = checked.value_or(DigestAlgorithm::sha256);

  DownloadDest dest(options.dest, options.force);
  auto source = open_model_source(v.files_location(), algorithm);
  std::vector<SourceFile> files = source->list();
  check_paths(files, source->shown());
  // A listing that does not add up to the digest is refused before any byte is fetched.
  const bool keep_listing = check_listing(*source, files, v.digest, algorithm, uri, dest.path());
  // Biggest first: the workers end together.
  std::stable_sort(files.begin(), files.end(),
                   [](const SourceFile& a, const SourceFile& b) { return a.size.value_or(0) > b.size.value_or(0); });

  dest.prepare();
  DownloadProgress progress("Downloading " + v.name + " v" + std::to_string(v.version), files);
  DownloadResult result;
  std::vector<FileDigest> got = fetch_all(*source, files, dest.temp(), algorithm, progress, result.bytes);
  if (keep_listing) {
    const auto listing = *source->listing();
    HashingFile out((fs::path(dest.temp()) / listing.path).string(), 0666, algorithm, nullptr);
    out.write(listing.bytes.data(), listing.bytes.size());
    got.push_back({listing.path, out.finish()});
    files.push_back({listing.path, listing.bytes.size(), got.back().hash});
    result.bytes += listing.bytes.size();
  }
  result.digest = model_digest(got, algorithm);
  const std::string difference = listing_difference(files, got);
  if (!v.digest.empty() && result.digest != v.digest)
    throw Error(ErrorCode::PERMISSION_DENIED, "digest mismatch: " + uri + " expects " + v.digest + ", the files of " +
                                                  source->shown() + " give " + result.digest +
                                                  (difference.empty() ? "" : " (" + difference + ")") +
                                                  "; nothing was written to " + dest.path());
  if (!difference.empty())
    throw Error(ErrorCode::PERMISSION_DENIED, source->shown() + ": " + difference + "; nothing was written to " + dest.path());
  dest.commit();
  result.source = redacted_url(v.files_location());
  result.verified = !v.digest.empty();
  result.files = files.size();
  result.dest = dest.path();
  return result;
}

}  // namespace mreg
