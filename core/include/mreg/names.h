// The naming rules of FORMAT.md ("Names"). Each check throws an Error with
// INVALID_PARAMETER_VALUE that quotes the value and says which rule it breaks.
#pragma once

#include <cstdint>
#include <string>

namespace mreg {

void check_model_name(const std::string& name);
void check_tag(const std::string& key, const std::string& value);
void check_tag_key(const std::string& key);
void check_alias_name(const std::string& alias);
// A version number given as text ("3"); throws on anything but a positive integer.
std::int64_t parse_version_number(const std::string& text);

// Lower-case ASCII, for the "unique ignoring case" rule.
std::string fold_case(const std::string& s);

// "Name <email>" -> "email"; text without angle brackets is returned as it is.
std::string email_of(const std::string& identity);

}  // namespace mreg
