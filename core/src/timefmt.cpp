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

std::optional<Timestamp> parse_rfc3339(const std::string& s) {
  static const std::regex re(
      "^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\\.[0-9]+)?(Z|z|[+-][0-9]{2}:[0-9]{2})$");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  return from_parts(std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4]), std::stoi(m[5]),
                    std::stoi(m[6]), zone_minutes(m[8]));
}

std::optional<Timestamp> parse_date(const std::string& s, int* offset_minutes) {
  static const std::regex epoch("^@?([0-9]+)(?: ([+-][0-9]{4}))?$");
  static const std::regex civil(
      "^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?(\\.[0-9]+)?)? ?(Z|z|[+-][0-9]{2}:?[0-9]{2})?$");
  std::smatch m;
  if (std::regex_match(s, m, epoch)) {
    // A bare number without '@' is git's internal form only with a zone.
    if (s[0] != '@' && !m[2].matched) return std::nullopt;
    if (offset_minutes) *offset_minutes = m[2].matched ? zone_minutes(m[2]) : 0;
    return static_cast<Timestamp>(std::stoll(m[1]));
  }
  if (std::regex_match(s, m, civil)) {
    int zone = m[8].matched ? zone_minutes(m[8]) : 0;
    if (offset_minutes) *offset_minutes = zone;
    auto num = [&](int i) { return m[i].matched ? std::stoi(m[i]) : 0; };
    return from_parts(num(1), num(2), num(3), num(4), num(5), num(6), zone);
  }
  return std::nullopt;
}

Timestamp now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mreg
