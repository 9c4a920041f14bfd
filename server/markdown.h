// A small, safe Markdown subset for descriptions: paragraphs, headings (#),
// lists (- * 1.), block quotes (>), fenced code (```), `code`, **strong**,
// *emphasis* and [links](https://...). Every character of the input is escaped
// on its way out; only the markup this renderer writes itself is HTML, and a
// link goes only to http, https, mailto or a path on this site.
#pragma once

#include <string>

namespace mreg::server {

std::string markdown(const std::string& text);

}  // namespace mreg::server
