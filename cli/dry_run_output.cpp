#include "dry_run_output.h"

#include <iostream>
#include <sstream>

namespace mreg::cli {
namespace {

OrderedJson commit_json(const CommitPreview& c) {
  OrderedJson trailers = OrderedJson::array();
  for (const auto& [k, v] : c.trailers) trailers.push_back({{"key", k}, {"value", v}});
  OrderedJson files = OrderedJson::array();
  for (const auto& f : c.files) files.push_back({{"path", f.path}, {"change", f.change}, {"diff", f.diff}});
  return {{"branch", c.branch},
          {"parent", c.parent.empty() ? OrderedJson(nullptr) : OrderedJson(c.parent)},
          {"author", c.author},
          {"summary", c.summary},
          {"body", c.body},
          {"trailers", trailers},
          {"tags", c.tags},
          {"files", files}};
}

void print_table(const CommitPreview& c) {
  std::cout << "Dry run, nothing written. The commit on " << c.branch;
  if (!c.parent.empty()) std::cout << " after " << short_id(c.parent);
  std::cout << ", by " << c.author << ":\n\n    " << c.summary << "\n";
  if (!c.body.empty()) {
    std::cout << "\n";
    std::istringstream body(c.body);
    for (std::string line; std::getline(body, line);) std::cout << "    " << line << "\n";
  }
  if (!c.trailers.empty()) std::cout << "\n";
  for (const auto& [k, v] : c.trailers) std::cout << "    " << k << ": " << v << "\n";
  std::cout << "\n";
  for (const auto& t : c.tags) std::cout << "Tag: " << t << "\n";
  if (c.files.empty()) std::cout << "No files change (an empty commit).\n";
  for (const auto& f : c.files) std::cout << f.diff;
}

}  // namespace

void print_dry_run(const std::optional<CommitPreview>& commit, Format format) {
  if (format != Format::Table) {
    print_structured({{"dry_run", true}, {"commit", commit ? commit_json(*commit) : OrderedJson(nullptr)}}, format);
  } else if (!commit) {
    std::cout << "Dry run, nothing written. Nothing would change: no commit.\n";
  } else {
    print_table(*commit);
  }
}

}  // namespace mreg::cli
