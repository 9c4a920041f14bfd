// What renders repository text into the pages: markdown() and the escaping of html.cpp. Nothing
// from the input may come out as markup: no '<' but the tags the renderer writes.
#include <cstdint>
#include <cctype>
#include <cstring>
#include <string>

#include "html.h"
#include "markdown.h"

namespace {

// The tags markdown() (cmark-gfm) writes; any other '<' in its output came from the input.
bool only_own_tags(const std::string& html) {
  static const char* const own[] = {"p>", "/p>", "h1>", "/h1>", "h2>", "/h2>", "h3>", "/h3>", "h4>", "/h4>",
                                    "h5>", "/h5>", "h6>", "/h6>", "ul>", "/ul>", "ol>", "/ol>", "li>", "/li>",
                                    "blockquote>", "/blockquote>", "pre>", "/pre>", "code>", "/code>",
                                    "strong>", "/strong>", "em>", "/em>", "a href=\"", "/a>", "br />", "hr />",
                                    "del>", "/del>", "table>", "/table>", "thead>", "/thead>", "tbody>", "/tbody>",
                                    "tr>", "/tr>", "th>", "th align=\"", "/th>", "td>", "td align=\"", "/td>",
                                    "code class=\"language-", "ol start=\""};
  for (size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    bool known = false;
    for (const char* tag : own) known = known || html.compare(i + 1, std::strlen(tag), tag) == 0;
    if (!known) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string escaped = mreg::server::escape(text);
  if (escaped.find_first_of("<>\"'") != std::string::npos) __builtin_trap();
  const std::string encoded = mreg::server::url_encode(text);
  for (unsigned char c : encoded)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '%')) __builtin_trap();
  if (!only_own_tags(mreg::server::markdown(text))) __builtin_trap();
  mreg::server::first_line(text);
  return 0;
}
