// A local folder, named by a path or a file:// URL.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mreg/model_source.h"
#include "mreg/error.h"
#include "mreg/hex.h"
#include "mreg/model_dir.h"

namespace fs = std::filesystem;

namespace mreg {
namespace {

class LocalFetcher : public FileFetcher {
 public:
  explicit LocalFetcher(std::string dir) : dir_(std::move(dir)) {}
  void fetch(const SourceFile& file, FileSink& sink) override {
    const std::string path = dir_ + "/" + file.path;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int e = errno;
      throw Error(e == ENOENT ? ErrorCode::RESOURCE_DOES_NOT_EXIST : ErrorCode::INTERNAL_ERROR,
                  "cannot read " + path + ": " + std::strerror(e));
    }
    try {
      sink.copy_from(fd);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  }

 private:
  std::string dir_;
};

class LocalSource : public ModelSource {
 public:
  explicit LocalSource(std::string dir) : dir_(std::move(dir)) {}
  std::string shown() const override { return dir_; }
  std::vector<SourceFile> list() override {
    std::error_code ec;
    if (!fs::exists(dir_, ec)) throw_not_found("source " + dir_ + ": no such folder");
    std::vector<SourceFile> files;
    for (auto& rel : model_dir_files(dir_, "source")) {
      struct stat st {};
      SourceFile f{rel, std::nullopt, "", 0644};
      if (::stat((dir_ + "/" + rel).c_str(), &st) == 0) {
        f.size = static_cast<std::uint64_t>(st.st_size);
        f.mode = st.st_mode & 0777;
      }
      files.push_back(std::move(f));
    }
    if (files.empty()) throw_not_found("source " + dir_ + ": the folder has no files");
    return files;
  }
  std::unique_ptr<FileFetcher> fetcher() override { return std::make_unique<LocalFetcher>(dir_); }
  // Hashing is the bottleneck (SHA-256 of one file runs on one core): two files at a time
  // hash on two cores, each while the kernel copies it.
  int workers() const override { return 2; }

 private:
  std::string dir_;
};

}  // namespace

std::unique_ptr<ModelSource> local_source(const std::string& source) {
  std::string path = source;
  if (source.rfind("file://", 0) == 0) {
    std::string rest = source.substr(7);
    // file:///path or file://localhost/path; no other host is local.
    if (rest.rfind("localhost/", 0) == 0) rest = rest.substr(9);
    if (rest.empty() || rest[0] != '/') throw_invalid("source " + source + ": a file:// URL names a local path (file:///PATH)");
    path = percent_decode(rest);
  }
  std::string dir = fs::absolute(path).lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return std::make_unique<LocalSource>(dir);
}

}  // namespace mreg
