// Checks a tree's approval and request signatures on a second thread while verify does
// everything else, so that verify_ssh_signature finds their verdicts made (ssh_signature.cpp
// keeps them). Signatures are most of a verify's cost; this puts the second core to work.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "git.h"

namespace mreg {

class SignaturePrefetch {
 public:
  // Starts on the tree of `commit` in the repository whose git folder is `git_dir`, when the
  // machine has a second core; does nothing otherwise. Never throws from its thread: a file it
  // cannot read is left for verify to judge.
  SignaturePrefetch(std::string git_dir, const git::Oid& commit);
  ~SignaturePrefetch();  // stops early and waits
  SignaturePrefetch(const SignaturePrefetch&) = delete;
  SignaturePrefetch& operator=(const SignaturePrefetch&) = delete;

 private:
  void run(const std::string& git_dir, const git::Oid& commit);

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mreg
