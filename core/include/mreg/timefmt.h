// Timestamps: RFC 3339 in the files, and the date forms users type.
#pragma once

#include <optional>
#include <string>

#include "mreg/types.h"

namespace mreg {

// 2026-11-24T09:30:00Z
std::string format_rfc3339(Timestamp t);
// RFC 3339 with 'Z' or an offset, fractional seconds ignored.
std::optional<Timestamp> parse_rfc3339(const std::string& s);
// What a user or git's environment gives: RFC 3339, "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS] [+hhmm]",
// "@<epoch> [+hhmm]" and "<epoch> +hhmm" (git's internal form). Without a zone: UTC.
// Sets *offset_minutes to the zone given, when asked.
std::optional<Timestamp> parse_date(const std::string& s, int* offset_minutes = nullptr);

Timestamp now_seconds();

}  // namespace mreg
