#include "mreg/names.h"

#include "mreg/error.h"
#include "mreg/utf8.h"

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

namespace {
// A name valid before any name was encoded: it is its own folder and tag name.
bool plain_model_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || !alnum(name[0]) || name.back() == '.') return false;
  for (char c : name)
    if (!(alnum(c) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

// CON, PRN, AUX, NUL, COM0-9, LPT0-9, alone or before a '.', in any case: Windows opens a
// device instead of a file of that name.
bool windows_device_name(const std::string& s) {
  const std::string stem = fold_case(s.substr(0, s.find('.')));
  if (stem == "con" || stem == "prn" || stem == "aux" || stem == "nul") return true;
  return stem.size() == 4 && (stem.compare(0, 3, "com") == 0 || stem.compare(0, 3, "lpt") == 0) && digit(stem[3]);
}

std::string percent_byte(unsigned char c) {
  static const char* hex = "0123456789ABCDEF";
  return std::string{'%', hex[c >> 4], hex[c & 15]};
}

// The longest folder name an encoded name may take: room is left for a tag's suffix within a
// file system's 255-byte file names.
constexpr std::size_t kMaxFolderBytes = 200;
}  // namespace

std::string model_folder_name(const std::string& name) {
  if (plain_model_name(name) && !windows_device_name(name)) return name;
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const bool dot_ok = c == '.' && i > 0 && i + 1 < name.size() && name[i - 1] != '.';
    if (alnum(static_cast<char>(c)) || c == '_' || c == '-' || dot_ok) out += static_cast<char>(c);
    else out += percent_byte(c);
  }
  if (windows_device_name(out)) out = percent_byte(static_cast<unsigned char>(out[0])) + out.substr(1);
  return out;
}

std::string model_tag_name(const std::string& name) {
  // Plain names may hold "..", which no git ref name may.
  const std::string folder = model_folder_name(name);
  std::string out;
  for (char c : folder) {
    if (c == '.' && !out.empty() && out.back() == '.') out += "%2E";
    else out += c;
  }
  return out;
}

std::optional<std::string> model_name_of_folder(const std::string& folder) {
  if (plain_model_name(folder) && !windows_device_name(folder)) return folder;
  std::string name;
  for (std::size_t i = 0; i < folder.size(); ++i) {
    if (folder[i] != '%') {
      name += folder[i];
      continue;
    }
    auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
    if (i + 2 >= folder.size() || hex(folder[i + 1]) < 0 || hex(folder[i + 2]) < 0) return std::nullopt;
    name += static_cast<char>(hex(folder[i + 1]) * 16 + hex(folder[i + 2]));
    i += 2;
  }
  try {
    check_model_name(name);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (model_folder_name(name) != folder) return std::nullopt;
  return name;
}

void check_model_name(const std::string& name) {
  if (name.empty()) throw_invalid("invalid model name: the name is empty");
  if (auto problem = text_problem(name); !problem.empty())
    throw_invalid("invalid model name '" + shorten(name) + "': it " + problem);
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      throw_invalid("invalid model name '" + shorten(name) + "': it holds a control character");
  if (plain_model_name(name)) return;
  const std::size_t folder = model_folder_name(name).size();
  if (folder > kMaxFolderBytes)
    throw_invalid("invalid model name '" + shorten(name) + "': too long: its folder name would take " +
                  std::to_string(folder) + " bytes, at most " + std::to_string(kMaxFolderBytes) +
                  " (each byte other than a letter, digit, '_', '-' or '.' takes three)");
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
