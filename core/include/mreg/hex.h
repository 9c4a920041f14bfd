// Lower-case hexadecimal, as digests and signatures are written; %XX escapes, as URLs have them.
#pragma once

#include <cctype>
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

// "%41b+c" -> "Ab+c" ("Ab c" with plus_is_space, as in form fields). A malformed escape
// ("%zz") is kept as it is, as browsers do.
inline std::string percent_decode(const std::string& s, bool plus_is_space = false) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace mreg
