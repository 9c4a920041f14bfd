// Printing what a write's dry run would commit (mreg/dry_run.h).
#pragma once

#include <optional>

#include "mreg/dry_run.h"
#include "output.h"

namespace mreg::cli {

// Table: the commit as `git show` would print it, after a line saying that nothing was written.
// JSON and YAML: {"dry_run": true, "commit": {...}}, "commit" null when nothing would change.
void print_dry_run(const std::optional<CommitPreview>& commit, Format format);

}  // namespace mreg::cli
