// The naming rules of FORMAT.md ("Names"). Each check throws an Error with
// INVALID_PARAMETER_VALUE that quotes the value and says which rule it breaks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mreg {

void check_model_name(const std::string& name);

// The folder under models/ and the name part of git tags that hold a model (FORMAT.md, "Names"):
// the name itself when it is a plain name, else its percent-encoding.
std::string model_folder_name(const std::string& name);
std::string model_tag_name(const std::string& name);
// The model name a folder under models/ holds; nullopt when the folder is not the encoding of
// any valid name.
std::optional<std::string> model_name_of_folder(const std::string& folder);
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
