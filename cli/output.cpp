#include "output.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iostream>

#include "mreg/error.h"
#include "mreg/timefmt.h"

namespace mreg::cli {
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
    const std::string s = v.get<std::string>();
    // Quote strings that YAML would otherwise read as numbers, booleans or null.
    YAML::Node probe;
    bool ambiguous = s.empty();
    try {
      probe = YAML::Load(s);
      ambiguous = ambiguous || !probe.IsScalar() || probe.Scalar() != s || probe.Tag() != "?" ||
                  s.find_first_not_of("0123456789.+-eE") == std::string::npos ||
                  s == "true" || s == "false" || s == "null" || s == "~" || s == "yes" || s == "no";
    } catch (...) {
      ambiguous = true;
    }
    if (ambiguous) out << YAML::DoubleQuoted << s;
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
  if (format == Format::Yaml) {
    OrderedJson arr = OrderedJson::array();
    for (std::size_t i = 0; i < count; ++i) arr.push_back(item(i));
    OrderedJson whole{{key, std::move(arr)}};
    for (const auto& [k, v] : after.items()) whole[k] = v;
    print_structured(whole, format);
    return;
  }
  JsonListWriter list(std::cout, key);
  for (std::size_t i = 0; i < count; ++i)
    list.add([&](std::string& text) { text += indented(item(i).dump(2), "    "); });
  list.finish(after);
}

JsonListWriter::JsonListWriter(std::ostream& out, const std::string& key) : out_(out) {
  buffer_ = "{\n  " + OrderedJson(key).dump() + ": ";
}

void JsonListWriter::flush() {
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
}

void JsonListWriter::finish(const OrderedJson& after) {
  buffer_ += empty_ ? "[]" : "\n  ]";
  for (const auto& [k, v] : after.items()) buffer_ += ",\n  " + OrderedJson(k).dump() + ": " + indented(v.dump(2), "  ");
  buffer_ += "\n}\n";
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

std::string format_time(Timestamp t) { return format_rfc3339(t); }
std::string short_id(const std::string& commit) { return commit.substr(0, 12); }

}  // namespace mreg::cli
