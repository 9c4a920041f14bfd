// mreg._core: the core library bound for Python. Thin: each method calls the
// core and turns its values into dicts (values.h); mreg/__init__.py wraps them
// in the public API. mreg::Error becomes mreg.MregError (mreg/_errors.py).
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "mreg/content_hash.h"
#include "mreg/error.h"
#include "mreg/model_dir.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "mreg's C++ core (use the mreg package, not this module)";
  m.attr("__version__") = MREG_VERSION;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const mreg::Error& e) {
      py::object error = py::module_::import("mreg._errors")
                             .attr("from_core")(mreg::error_code_name(e.code()), e.message());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
    }
  });

  m.def(
      "model_dir_digest",
      [](const std::string& dir, const std::string& algorithm) {
        const auto a = mreg::parse_digest_algorithm(algorithm);
        if (!a) mreg::throw_invalid("algorithm: '" + algorithm + "' is not a digest algorithm (sha256 or blake3)");
        py::gil_scoped_release unlocked;  // hashing a large folder takes a while
        return mreg::model_dir_digest(dir, *a);
      },
      py::arg("dir"), py::arg("algorithm"));

  mreg::python::bind_snapshot(m);
  mreg::python::bind_registry(m);
}
