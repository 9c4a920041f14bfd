// Lower-case hexadecimal, as digests and signatures are written.
#pragma once

#include <cstddef>
#include <string>

namespace mreg {

inline std::string hex_encode(const unsigned char* data, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  return out;
}

}  // namespace mreg
