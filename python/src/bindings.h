// The classes of mreg._core, each bound in a file of its own.
#pragma once

#include <pybind11/pybind11.h>

namespace mreg::python {

void bind_snapshot(pybind11::module_& m);  // snapshot.cpp: reads of one commit, search
void bind_registry(pybind11::module_& m);  // registry.cpp: open, init, writes, check, verify

}  // namespace mreg::python
