// Printing results as a table for people, or as JSON or YAML for programs.
#pragma once

#include <iosfwd>
#include <functional>
#include <string>
#include <vector>

#include "mreg/mlflow_json.h"
#include "mreg/types.h"

namespace mreg::cli {

enum class Format { Table, Json, Yaml };

Format parse_format(const std::string& name);

// Structured output in JSON or YAML.
void print_structured(const OrderedJson& value, Format format);
// {"<key>": [items...], <the members of `after`>} as print_structured prints it,
// one item made at a time (a long list is never held as JSON all at once).
void print_structured_list(const std::string& key, std::size_t count,
                           const std::function<OrderedJson(std::size_t)>& item, Format format,
                           const OrderedJson& after = OrderedJson::object());

// {"<key>": [items...], <the members of `after`>} as print_structured prints it
// in JSON, written as the items come: a long list is never held whole.
class JsonListWriter {
 public:
  JsonListWriter(std::ostream& out, const std::string& key);
  // One item: `append(text)` appends its JSON to `text` as it stands in the list,
  // two levels deep (mreg::append_mlflow_json(text, x, 2)).
  template <typename Append>
  void add(Append&& append) {
    buffer_ += empty_ ? "[\n    " : ",\n    ";
    empty_ = false;
    append(buffer_);
    if (buffer_.size() >= kFlushBytes) flush();
  }
  void finish(const OrderedJson& after = OrderedJson::object());

 private:
  static constexpr std::size_t kFlushBytes = 1 << 20;
  void flush();
  std::ostream& out_;
  std::string buffer_;
  bool empty_ = true;
};

// A table with a header row, columns padded to their widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "  key:  value" lines, keys aligned.
class Fields {
 public:
  void add(const std::string& key, const std::string& value);
  void print(std::ostream& out) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

std::string first_line(const std::string& text);
std::string format_time(Timestamp t);
std::string short_id(const std::string& commit);

}  // namespace mreg::cli
