// A downloaded file is hashed from the bytes written into it, whether they arrive in small
// pieces from a socket (hashed and written on a thread of the file's own) or are copied from a
// local file, and a failed write is an error, never a short file passed as whole.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "hashing_file.h"
#include "mreg/error.h"
#include "mreg/content_hash.h"

using namespace mreg;
namespace fs = std::filesystem;

namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen());
  return s;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("mreg-hashing-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("a file streamed in small pieces is written whole and hashed as written", "[hashing_file]") {
  const DigestAlgorithm algorithm = GENERATE(DigestAlgorithm::sha256, DigestAlgorithm::blake3);
  TempDir dir;
  // Several blocks and a part of one: the thread that hashes and writes them keeps their order.
  const std::string data = random_bytes((5 << 20) + 12345, 1);
  std::uint64_t reported = 0;
  std::string hex;
  {
    HashingFile out((dir.path / "f").string(), 0644, algorithm, [&](std::uint64_t n) { reported += n; });
    for (std::size_t at = 0; at < data.size(); at += 4096)
      out.write(data.data() + at, std::min<std::size_t>(4096, data.size() - at));
    CHECK(out.bytes() == data.size());
    hex = out.finish();
  }
  CHECK(read_all(dir.path / "f") == data);
  CHECK(hex == content_hash_hex(algorithm, data));
  CHECK(reported == data.size());
}

TEST_CASE("streamed bytes followed by a copy of a local file hash as one file", "[hashing_file]") {
  const DigestAlgorithm algorithm = GENERATE(DigestAlgorithm::sha256, DigestAlgorithm::blake3);
  TempDir dir;
  const std::string head = random_bytes((2 << 20) + 7, 2);
  const std::string tail = random_bytes((3 << 20) + 5, 3);
  std::ofstream(dir.path / "tail", std::ios::binary) << tail;
  std::string hex;
  {
    HashingFile out((dir.path / "f").string(), 0644, algorithm, nullptr);
    out.write(head.data(), head.size());
    const int fd = ::open((dir.path / "tail").c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    out.copy_from(fd);
    ::close(fd);
    hex = out.finish();
  }
  CHECK(read_all(dir.path / "f") == head + tail);
  CHECK(hex == content_hash_hex(algorithm, head + tail));
}

TEST_CASE("a write that fails on the hashing thread is an error of the download", "[hashing_file]") {
  TempDir dir;
  // A file size limit makes write() fail with EFBIG once the file reaches it.
  rlimit before{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &before) == 0);
  rlimit limited = before;
  limited.rlim_cur = 1 << 20;
  auto* old_handler = ::signal(SIGXFSZ, SIG_IGN);
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  const std::string data = random_bytes(4 << 20, 4);
  bool failed = false;
  try {
    HashingFile out((dir.path / "f").string(), 0644, DigestAlgorithm::blake3, nullptr);
    for (std::size_t at = 0; at < data.size(); at += 4096) out.write(data.data() + at, 4096);
    out.finish();
  } catch (const Error& e) {
    failed = true;
    CHECK_THAT(e.what(), Catch::Matchers::Contains("cannot write"));
  }
  ::setrlimit(RLIMIT_FSIZE, &before);
  ::signal(SIGXFSZ, old_handler);
  CHECK(failed);
}
