// Long reads (parsing models the read cache does not know yet, reading every
// version for a search) say how far they are, so that a front end can show it.
// The core only calls back; it never prints.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace mreg {

// what: "Reading models" and the like. Called from any thread, one call at a
// time; a read's first call has done == 0, its last done == total (also when
// the read fails).
using ProgressCallback = std::function<void(const std::string& what, std::size_t done, std::size_t total)>;

// Process-wide; an empty callback (the default) turns reports off.
void set_progress_callback(ProgressCallback callback);

}  // namespace mreg
