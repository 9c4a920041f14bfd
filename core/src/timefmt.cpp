#include "mreg/timefmt.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <regex>

namespace mreg {
namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<Timestamp> from_parts(int y, int mo, int d, int h, int mi, int s, int offset_minutes) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
         mi * 60 + s - offset_minutes * 60;
}

// The milliseconds of a fraction's digits (after the '.'): "5" is 500, "1239" is 123.
int fraction_millis(const std::string& digits) {
  int ms = 0;
  for (size_t k = 0; k < 3; ++k) ms = ms * 10 + (k < digits.size() ? digits[k] - '0' : 0);
  return ms;
}

int zone_minutes(const std::string& z) {
  if (z.empty() || z == "Z" || z == "z") return 0;
  int sign = z[0] == '-' ? -1 : 1;
  std::string digits;
  for (char c : z)
    if (c >= '0' && c <= '9') digits += c;
  if (digits.size() != 4) return 0;
  return sign * (std::stoi(digits.substr(0, 2)) * 60 + std::stoi(digits.substr(2, 2)));
}

}  // namespace

std::string format_rfc3339(Timestamp t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string format_rfc3339_ms(TimestampMs t) {
  std::string s = format_rfc3339(seconds_of(t));
  const int millis = static_cast<int>(t - ms_of(seconds_of(t)));
  if (millis == 0) return s;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", millis);
  s.pop_back();  // the 'Z'
  return s + frac;
}

std::optional<Timestamp> parse_rfc3339(const std::string& s) {
  const auto t = parse_rfc3339_ms(s);
  if (!t) return std::nullopt;
  return seconds_of(*t);
}

std::optional<TimestampMs> parse_rfc3339_ms(const std::string& s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), read by hand: it is on every read path.
  auto digits = [&](size_t at, size_t n, int& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, sec;
  if (!digits(0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' || !digits(8, 2, d) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, h) || s[13] != ':' || !digits(14, 2, mi) ||
      s[16] != ':' || !digits(17, 2, sec))
    return std::nullopt;
  size_t i = 19;
  int millis = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return std::nullopt;
    millis = fraction_millis(s.substr(start, i - start));
  }
  int offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(i + 4, 2, om)) return std::nullopt;
    offset = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  const auto t = from_parts(y, mo, d, h, mi, sec, offset);
  if (!t) return std::nullopt;
  return ms_of(*t) + millis;
}

std::optional<Timestamp> parse_date(const std::string& s, int* offset_minutes) {
  const auto t = parse_date_ms(s, offset_minutes);
  if (!t) return std::nullopt;
  return seconds_of(*t);
}

std::optional<TimestampMs> parse_date_ms(const std::string& s, int* offset_minutes) {
  static const std::regex epoch("^@?([0-9]+)(?: ([+-][0-9]{4}))?$");
  static const std::regex civil(
      "^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?(\\.[0-9]+)?)? ?(Z|z|[+-][0-9]{2}:?[0-9]{2})?$");
  std::smatch m;
  if (std::regex_match(s, m, epoch)) {
    // A bare number without '@' is git's internal form only with a zone.
    if (s[0] != '@' && !m[2].matched) return std::nullopt;
    if (offset_minutes) *offset_minutes = m[2].matched ? zone_minutes(m[2]) : 0;
    return ms_of(static_cast<Timestamp>(std::stoll(m[1])));
  }
  if (std::regex_match(s, m, civil)) {
    int zone = m[8].matched ? zone_minutes(m[8]) : 0;
    if (offset_minutes) *offset_minutes = zone;
    auto num = [&](int i) { return m[i].matched ? std::stoi(m[i]) : 0; };
    const auto t = from_parts(num(1), num(2), num(3), num(4), num(5), num(6), zone);
    if (!t) return std::nullopt;
    return ms_of(*t) + (m[7].matched ? fraction_millis(m[7].str().substr(1)) : 0);
  }
  return std::nullopt;
}

TimestampMs now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Timestamp now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mreg
