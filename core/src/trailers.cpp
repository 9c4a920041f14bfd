#include "trailers.h"

#include <cstdio>

#include "git.h"

namespace mreg {
namespace {

const std::string kEncodedSuffix = "-Encoded";

// The blanks git trims from a trailer's value (its isspace: space, tab, CR, LF, VT, FF).
bool is_trimmed_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

bool survives_git(const std::string& value) {
  return value.empty() || (!is_trimmed_blank(value.front()) && !is_trimmed_blank(value.back()));
}

std::string encode_value(const std::string& value) {
  size_t first = 0, last = value.size();
  while (first < last && is_trimmed_blank(value[first])) ++first;
  while (last > first && is_trimmed_blank(value[last - 1])) --last;
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '%' || i < first || i >= last) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A '%' not followed by two hex digits stays as it is: a hand-written trailer reads as written.
std::string decode_value(const std::string& value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size() && hex_digit(value[i + 1]) >= 0 && hex_digit(value[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(value[i + 1]) * 16 + hex_digit(value[i + 2]));
      i += 2;
    } else {
      out += value[i];
    }
  }
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string trailer_line(const std::string& key, const std::string& value) {
  if (survives_git(value)) return key + ": " + value + "\n";
  return key + kEncodedSuffix + ": " + encode_value(value) + "\n";
}

Trailers read_trailers(const std::string& message) {
  Trailers out = git::parse_trailers(message);
  for (auto& [key, value] : out)
    if (ends_with(key, kEncodedSuffix)) {
      key.resize(key.size() - kEncodedSuffix.size());
      value = decode_value(value);
    }
  return out;
}

std::string trailer_value(const Trailers& trailers, const std::string& key) {
  for (const auto& [k, v] : trailers)
    if (k == key) return v;
  return "";
}

}  // namespace mreg
