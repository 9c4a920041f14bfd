// For the unit tests: a fresh folder under /tmp, removed with everything in it at the end of
// the scope.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace unit {

struct TempDir {
  std::filesystem::path dir;
  TempDir() {
    char tmpl[] = "/tmp/mreg-unit-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace unit
