// Markdown of descriptions and comments, parsed by cmark-gfm (CommonMark with the GFM table,
// strikethrough and autolink extensions) and made safe on its syntax tree before rendering:
// - Raw HTML (blocks and inline tags) is shown as escaped text, never as markup.
// - A link keeps its destination only if it is http:, https: or mailto: (any case), a path on
//   this site ("/" then neither "/" nor "\"), or a "#fragment". Anything else (javascript:,
//   data:, vbscript:, "//host", "/\host", "\\host", paths relative to the page, any space,
//   control character or backslash in it) turns the link into its plain text. Links carry
//   rel="nofollow noopener".
// - Images are never loaded: an image becomes a link to its destination (same rule), with its
//   alt text as the link text.
// - Headings start at h3: the page's own headings are h1 and h2.
#pragma once

#include <string>

namespace mreg::server {

std::string markdown(const std::string& text);

// The destination rule above; exposed for the tests.
bool safe_link_destination(const std::string& url);

}  // namespace mreg::server
