// Printing results as a table for people, or as JSON or YAML for programs.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "mreg/mlflow_json.h"
#include "mreg/types.h"

namespace mreg::cli {

enum class Format { Table, Json, Yaml };

Format parse_format(const std::string& name);

// Structured output in JSON or YAML.
void print_structured(const OrderedJson& value, Format format);

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
