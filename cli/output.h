// Printing results as a table for people, or as JSON or YAML for programs.
#pragma once

#include <iosfwd>
#include <functional>
#include <string>
#include <vector>

#include "mreg/mlflow_json.h"
#include "mreg/types.h"

namespace mreg::cli {

enum class Format { Table, Json, Yaml, Markdown };

Format parse_format(const std::string& name);

// Structured output in JSON or YAML.
void print_structured(const OrderedJson& value, Format format);
// {"<key>": [items...], <the members of `after`>} as print_structured prints it,
// one item made at a time (a long list is never held as JSON all at once).
void print_structured_list(const std::string& key, std::size_t count,
                           const std::function<OrderedJson(std::size_t)>& item, Format format,
                           const OrderedJson& after = OrderedJson::object());

// {"<key>": [items...], <the members of `after`>} as print_structured prints it
// (JSON or YAML), written as the items come: a long list is never held whole.
class ListWriter {
 public:
  ListWriter(std::ostream& out, const std::string& key, Format format);
  // An MLflow object (ModelSummary, ModelVersion): in JSON written without a tree.
  template <typename T>
  void add(const T& item) {
    if (format_ != Format::Json) return add_json(to_mlflow_json(item));
    next_item();
    append_mlflow_json(buffer_, item, 2);
    if (buffer_.size() >= kFlushBytes) flush();
  }
  void add_json(const OrderedJson& item);
  void finish(const OrderedJson& after = OrderedJson::object());

 private:
  static constexpr std::size_t kFlushBytes = 1 << 20;
  void next_item();
  void flush();
  std::ostream& out_;
  Format format_;
  std::string buffer_;
  bool empty_ = true;
};

// Does this string need quotes in YAML to read back as this string?
bool yaml_needs_quotes(const std::string& s);

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
// The text as JSON, null when it is empty.
OrderedJson text_or_null(const std::string& s);
// The items with SEP between them ("" for none).
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");
std::string format_time(Timestamp t);
// A request file's content with every key always present (null or false when it does not
// apply), so that a program reads one shape whatever the request asks for.
OrderedJson request_json(const TransitionRequest& r);
// A file's time (a model's, a version's, a request's), with its milliseconds.
std::string format_time_ms(TimestampMs t);
std::string short_id(const std::string& commit);

}  // namespace mreg::cli
