// How models and versions look in a terminal.
#pragma once

#include <iostream>

#include "mreg/registry.h"
#include "output.h"

namespace mreg::cli {

void print_model_list(const std::vector<ModelSummary>& models, std::ostream& out);
void print_model(const ModelSummary& model, std::ostream& out);
void print_version_list(const std::vector<ModelVersion>& versions, std::ostream& out);
void print_version(const ModelVersion& version, std::ostream& out);

// Prints one model or version in the chosen format; for table, `done` is the
// line said after a write (nothing when quiet).
void show_model(const ModelSummary& model, Format format);
void show_version(const ModelVersion& version, Format format);

}  // namespace mreg::cli
