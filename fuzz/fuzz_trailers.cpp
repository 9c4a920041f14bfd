// Commit messages, which anyone who can push writes: their trailers are read without a crash,
// and every value mreg writes as a trailer reads back exactly.
#include <cstdint>
#include <string>

#include "trailers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)mreg::read_trailers(text);
  // As a value: mreg never writes control characters other than tab (names refuse them).
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return 0;
  const std::string message = "summary\n\n" + mreg::trailer_line("Mreg-Op", "register") +
                              mreg::trailer_line("Mreg-Model", text);
  const auto trailers = mreg::read_trailers(message);
  if (text.empty()) return 0;  // an empty value is no trailer
  if (mreg::trailer_value(trailers, "Mreg-Model") != text) __builtin_trap();
  return 0;
}
