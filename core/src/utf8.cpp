#include "mreg/utf8.h"

#include <cstdio>

namespace mreg {

std::optional<std::size_t> invalid_utf8_at(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;        // overlong
      else if (c == 0xED) hi = 0x9F;   // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;        // overlong
      else if (c == 0xF4) hi = 0x8F;   // above U+10FFFF
    } else {
      return i;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
    }
    if (n - i < len) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::nullopt;
}

std::string text_problem(std::string_view s) {
  char buf[96];
  if (auto at = invalid_utf8_at(s)) {
    std::snprintf(buf, sizeof buf, "is not valid UTF-8 (byte 0x%02X at offset %zu)",
                  static_cast<unsigned char>(s[*at]), *at);
    return buf;
  }
  if (auto nul = s.find('\0'); nul != std::string_view::npos) {
    std::snprintf(buf, sizeof buf, "holds a NUL byte (at offset %zu)", nul);
    return buf;
  }
  return {};
}

}  // namespace mreg
