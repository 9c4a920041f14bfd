#include "mreg/names.h"

#include <regex>

#include "mreg/error.h"

namespace mreg {
namespace {
size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}
std::string shorten(const std::string& s) {
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}
}  // namespace

void check_model_name(const std::string& name) {
  static const std::regex re("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");
  if (name.empty()) throw_invalid("invalid model name: the name is empty");
  if (name.size() > 128)
    throw_invalid("invalid model name '" + shorten(name) + "': longer than 128 characters (" +
                  std::to_string(name.size()) + ")");
  if (!std::regex_match(name, re))
    throw_invalid("invalid model name '" + shorten(name) +
                  "': a name starts with a letter or digit and holds only letters, digits, '.', '_' and '-'");
  if (name.back() == '.') throw_invalid("invalid model name '" + name + "': a name must not end in '.'");
}

void check_tag_key(const std::string& key) {
  if (key.empty()) throw_invalid("invalid tag key: the key is empty");
  if (utf8_length(key) > 250)
    throw_invalid("invalid tag key '" + shorten(key) + "': longer than 250 characters");
  for (unsigned char c : key)
    if (c < 0x20 || c == 0x7f) throw_invalid("invalid tag key '" + shorten(key) + "': it holds a control character");
}

void check_tag(const std::string& key, const std::string& value) {
  check_tag_key(key);
  if (utf8_length(value) > 5000)
    throw_invalid("invalid value of tag '" + shorten(key) + "': longer than 5000 characters (" +
                  std::to_string(utf8_length(value)) + ")");
  if (value.find('\0') != std::string::npos)
    throw_invalid("invalid value of tag '" + shorten(key) + "': it holds a NUL byte");
}

void check_alias_name(const std::string& alias) {
  static const std::regex re("^[A-Za-z_][A-Za-z0-9_-]{0,254}$");
  static const std::regex version_like("^[vV][0-9]+$");
  if (!std::regex_match(alias, re))
    throw_invalid("invalid alias '" + shorten(alias) +
                  "': an alias starts with a letter or '_', holds letters, digits, '_' and '-', at most 255 characters");
  if (std::regex_match(alias, version_like) || fold_case(alias) == "latest")
    throw_invalid("invalid alias '" + alias + "': 'latest' and v<number> are reserved (they name versions in model URIs)");
}

std::int64_t parse_version_number(const std::string& text) {
  static const std::regex re("^[1-9][0-9]{0,17}$");
  if (!std::regex_match(text, re))
    throw_invalid("invalid version '" + shorten(text) + "': a version is a positive integer");
  return std::stoll(text);
}

std::string fold_case(const std::string& s) {
  std::string out = s;
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string email_of(const std::string& identity) {
  auto lt = identity.find('<'), gt = identity.rfind('>');
  return lt == std::string::npos || gt == std::string::npos || gt < lt ? identity : identity.substr(lt + 1, gt - lt - 1);
}

}  // namespace mreg
