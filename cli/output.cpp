#include "output.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <iostream>

#include "mreg/error.h"
#include "mreg/timefmt.h"

namespace mreg::cli {
namespace {

// Text that YAML reads back as this same plain string: ASCII words, spaces and the
// punctuation of names, e-mail addresses, URLs and sentences, with nothing that starts
// a comment, a mapping or another kind of node. (Most strings are like this; for them
// the parse below is not needed.)
bool plain_as_is(const std::string& s) {
  if (s.empty() || !std::isalnum(static_cast<unsigned char>(s.front())) || s.back() == ' ' || s.back() == ':')
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isalnum(static_cast<unsigned char>(c))) continue;
    switch (c) {
      case ' ': case '_': case '.': case '/': case '-': case '+': case '=': case '(': case ')':
      case ',': case '@': case '<': case '>': case ';':
        continue;
      case ':':
        if (s[i + 1] == ' ') return false;  // a mapping
        continue;
      case '#':
        if (s[i - 1] == ' ') return false;  // a comment
        continue;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

bool yaml_needs_quotes(const std::string& s) {
  // Strings that YAML would otherwise read as numbers, booleans or null, or not as this string.
  const bool number_like = s.find_first_not_of("0123456789.+-eE") == std::string::npos;
  const bool word = s == "true" || s == "false" || s == "null" || s == "~" || s == "yes" || s == "no";
  if (plain_as_is(s)) return number_like || word;
  try {
    const YAML::Node probe = YAML::Load(s);
    return s.empty() || !probe.IsScalar() || probe.Scalar() != s || probe.Tag() != "?" || number_like || word;
  } catch (...) {
    return true;
  }
}

namespace {

void emit(YAML::Emitter& out, const OrderedJson& v) {
  if (v.is_object()) {
    out << YAML::BeginMap;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      emit(out, it.value());
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : v) emit(out, item);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (yaml_needs_quotes(s)) out << YAML::DoubleQuoted << s;
    else if (s.find('\n') != std::string::npos) out << YAML::Literal << s;
    else out << s;
  } else if (v.is_null()) {
    out << YAML::Null;
  } else if (v.is_boolean()) {
    out << (v.get<bool>() ? "true" : "false");
  } else {
    out << v.dump();
  }
}

}  // namespace

Format parse_format(const std::string& name) {
  if (name == "table") return Format::Table;
  if (name == "json") return Format::Json;
  if (name == "yaml") return Format::Yaml;
  if (name == "markdown") throw_invalid("--output: markdown is for 'mreg review' and 'mreg compare'; use table, json or yaml");
  throw_invalid("--output: unknown format '" + name + "' (table, json or yaml)");
}

void print_structured(const OrderedJson& value, Format format) {
  if (format == Format::Yaml) {
    YAML::Emitter out;
    emit(out, value);
    std::cout << out.c_str() << "\n";
  } else {
    std::cout << value.dump(2) << "\n";
  }
}

namespace {
// `text` with `indent` after each newline (JSON strings hold no newline).
std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}
}  // namespace

void print_structured_list(const std::string& key, std::size_t count,
                           const std::function<OrderedJson(std::size_t)>& item, Format format,
                           const OrderedJson& after) {
  ListWriter list(std::cout, key, format);
  for (std::size_t i = 0; i < count; ++i) list.add_json(item(i));
  list.finish(after);
}

// Both formats as print_structured writes the whole document: JSON's dump(2), and
// yaml-cpp's block style, where a list in a mapping is indented two spaces.
ListWriter::ListWriter(std::ostream& out, const std::string& key, Format format) : out_(out), format_(format) {
  if (format_ == Format::Json) {
    buffer_ = "{\n  " + OrderedJson(key).dump() + ": ";
  } else {
    YAML::Emitter e;
    e << YAML::BeginMap << YAML::Key << key << YAML::Value << YAML::BeginSeq << YAML::EndSeq << YAML::EndMap;
    const std::string whole = e.c_str();  // "<key>:\n  []"
    buffer_ = whole.substr(0, whole.rfind('\n') + 1);
  }
}

void ListWriter::next_item() {
  if (format_ == Format::Json) buffer_ += empty_ ? "[\n    " : ",\n    ";
  empty_ = false;
}

void ListWriter::add_json(const OrderedJson& item) {
  if (format_ == Format::Json) {
    next_item();
    buffer_ += indented(item.dump(2), "    ");
  } else {
    next_item();
    YAML::Emitter e;
    e << YAML::BeginSeq;
    emit(e, item);
    e << YAML::EndSeq;
    // "- ..." lines, two spaces in; blank lines (in literal text) stay blank.
    const std::string text = e.c_str();
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      if (nl > start) buffer_ += "  ";
      buffer_.append(text, start, nl - start);
      buffer_ += '\n';
      start = nl + 1;
    }
  }
  if (buffer_.size() >= kFlushBytes) flush();
}

void ListWriter::flush() {
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
}

void ListWriter::finish(const OrderedJson& after) {
  if (format_ == Format::Json) {
    buffer_ += empty_ ? "[]" : "\n  ]";
    for (const auto& [k, v] : after.items())
      buffer_ += ",\n  " + OrderedJson(k).dump() + ": " + indented(v.dump(2), "  ");
    buffer_ += "\n}\n";
  } else {
    if (empty_) buffer_ += "  []\n";
    if (!after.empty()) {
      YAML::Emitter e;
      emit(e, after);
      buffer_ += e.c_str();
      buffer_ += '\n';
    }
  }
  flush();
}

void Table::print(std::ostream& out) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

void Fields::add(const std::string& key, const std::string& value) { fields_.emplace_back(key, value); }

void Fields::print(std::ostream& out) const {
  size_t width = 0;
  for (const auto& f : fields_) width = std::max(width, f.first.size());
  for (const auto& [k, v] : fields_) {
    out << k << ":" << std::string(width - k.size() + 1, ' ');
    // Multi-line values continue under the value column.
    size_t start = 0;
    bool first = true;
    while (true) {
      size_t end = v.find('\n', start);
      if (!first) out << std::string(width + 2, ' ');
      out << v.substr(start, end == std::string::npos ? std::string::npos : end - start) << "\n";
      first = false;
      if (end == std::string::npos || end + 1 >= v.size()) break;
      start = end + 1;
    }
  }
}

std::string first_line(const std::string& text) {
  auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

OrderedJson text_or_null(const std::string& s) { return s.empty() ? OrderedJson(nullptr) : OrderedJson(s); }

std::string format_time(Timestamp t) { return format_rfc3339(t); }
std::string format_time_ms(TimestampMs t) { return format_rfc3339_ms(t); }
std::string short_id(const std::string& commit) { return commit.substr(0, 12); }

OrderedJson request_json(const TransitionRequest& r) {
  OrderedJson j;
  j["id"] = r.id;
  j["model"] = r.model;
  j["version"] = std::to_string(r.version);
  j["from_stage"] = r.from_stage;
  j["to_stage"] = text_or_null(r.to_stage);
  j["alias"] = text_or_null(r.alias);
  j["remove_alias"] = text_or_null(r.remove_alias);
  j["delete_version"] = r.delete_version;
  j["archive_existing"] = r.archive_existing;
  j["target"] = r.target();
  j["version_sha256"] = r.version_sha256;
  j["requested_by"] = r.requested_by;
  j["requested_at"] = r.requested_at ? OrderedJson(format_rfc3339_ms(r.requested_at)) : OrderedJson(nullptr);
  j["comment"] = text_or_null(r.comment);
  return j;
}

}  // namespace mreg::cli
