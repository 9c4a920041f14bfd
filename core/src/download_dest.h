// The folder a download fills: checked before anything is fetched, filled through
// a temporary folder beside it, and put in place by one rename once the files
// verify. Until then DEST is untouched; on failure nothing is left behind.
#pragma once

#include <string>
#include <vector>

namespace mreg {

class DownloadDest {
 public:
  // RESOURCE_ALREADY_EXISTS when dest is a non-empty folder (unless force), a file
  // or a symbolic link; INVALID_PARAMETER_VALUE when force would replace the
  // folder the process runs in (or one around it).
  DownloadDest(const std::string& dest, bool force);
  // Removes the temporary folder, and the parents prepare() made, unless committed.
  ~DownloadDest();
  DownloadDest(const DownloadDest&) = delete;
  DownloadDest& operator=(const DownloadDest&) = delete;

  // Makes DEST's missing parents and the temporary folder beside it.
  void prepare();
  const std::string& temp() const { return temp_; }
  const std::string& path() const { return path_; }
  // The temporary folder becomes DEST (an old DEST is swapped out, then removed).
  void commit();

 private:
  std::string path_, temp_;
  bool replace_ = false;
  bool committed_ = false;
  std::vector<std::string> made_parents_;  // deepest last
};

}  // namespace mreg
