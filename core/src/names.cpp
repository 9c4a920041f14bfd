#include "mreg/names.h"

#include "mreg/error.h"

namespace mreg {
namespace {
size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}
// Hand-written character classes: these checks run on every read, and
// std::regex is slow enough to show in profiles.
bool alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
std::string shorten(const std::string& s) {
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}
}  // namespace

void check_model_name(const std::string& name) {
  if (name.empty()) throw_invalid("invalid model name: the name is empty");
  if (name.size() > 128)
    throw_invalid("invalid model name '" + shorten(name) + "': longer than 128 characters (" +
                  std::to_string(name.size()) + ")");
  bool ok = alnum(name[0]);
  for (char c : name) ok = ok && (alnum(c) || c == '.' || c == '_' || c == '-');
  if (!ok)
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
  bool ok = !alias.empty() && alias.size() <= 255 && (alnum(alias[0]) || alias[0] == '_') && !digit(alias[0]);
  for (char c : alias) ok = ok && (alnum(c) || c == '_' || c == '-');
  bool version_like = alias.size() >= 2 && (alias[0] == 'v' || alias[0] == 'V');
  for (size_t i = 1; i < alias.size(); ++i) version_like = version_like && digit(alias[i]);
  if (!ok)
    throw_invalid("invalid alias '" + shorten(alias) +
                  "': an alias starts with a letter or '_', holds letters, digits, '_' and '-', at most 255 characters");
  if (version_like || fold_case(alias) == "latest")
    throw_invalid("invalid alias '" + alias + "': 'latest' and v<number> are reserved (they name versions in model URIs)");
}

std::int64_t parse_version_number(const std::string& text) {
  bool ok = !text.empty() && text.size() <= 18 && text[0] != '0';
  for (char c : text) ok = ok && digit(c);
  if (!ok)
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
