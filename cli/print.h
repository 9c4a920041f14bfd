// How models and versions look in a terminal.
#pragma once

#include <iostream>

#include "mreg/registry.h"
#include "output.h"

namespace mreg::cli {

// The table of `mreg model list`, a row added as each model comes.
class ModelListTable {
 public:
  ModelListTable();
  void add(const ModelSummary& model);
  void print(std::ostream& out) const { table_.print(out); }

 private:
  Table table_;
};
// One line on stderr for each problem of a broken model (none for a model that reads).
void warn_broken(const ModelSummary& model);
void print_model(const ModelSummary& model, std::ostream& out);
void print_version_list(const std::vector<ModelVersion>& versions, std::ostream& out);
void print_version(const ModelVersion& version, std::ostream& out);

// Prints one model or version in the chosen format; for table, `done` is the
// line said after a write (nothing when quiet).
void show_model(const ModelSummary& model, Format format);
void show_version(const ModelVersion& version, Format format);

}  // namespace mreg::cli
