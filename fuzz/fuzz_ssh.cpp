// SSH public keys, allowed_signers files and armored SSHSIG signatures (ssh_signature.cpp).
// The first byte picks the reader; a parsed allowed_signers file must survive a round trip
// through format_allowed_signers.
#include <cstdint>
#include <string>

#include "mreg/error.h"
#include "mreg/ssh_signature.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: mreg::parse_public_key(text); break;
      case 1: {
        const auto signers = mreg::parse_allowed_signers(text);
        std::string again;
        try {
          again = mreg::format_allowed_signers(signers);
        } catch (const mreg::Error&) {
          break;  // not every readable line can be written back
        }
        if (mreg::format_allowed_signers(mreg::parse_allowed_signers(again)) != again) __builtin_trap();
        break;
      }
      case 2: {
        // The signature, then the message after the first NUL byte.
        const auto nul = text.find('\0');
        const std::string armored = text.substr(0, nul);
        const std::string message = nul == std::string::npos ? std::string() : text.substr(nul + 1);
        mreg::verify_ssh_signature(armored, message, "mreg-approval-v1");
        break;
      }
    }
  } catch (const mreg::Error&) {
  }
  return 0;
}
