#include "markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <vector>


namespace mreg::server {
namespace {

bool starts_with_nocase(const std::string& s, const char* prefix) {
  for (std::size_t i = 0; prefix[i] != '\0'; ++i)
    if (i >= s.size() || std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
using NodePtr = std::unique_ptr<cmark_node, NodeDeleter>;

// Moves every child of `from` in front of `before`, in order. A child that `before`'s parent
// cannot hold is dropped (freed, not leaked): a line break, say, out of a link in a table cell.
void move_children_before(cmark_node* from, cmark_node* before) {
  while (cmark_node* child = cmark_node_first_child(from)) {
    cmark_node_unlink(child);
    if (!cmark_node_insert_before(before, child)) cmark_node_free(child);
  }
}

// Every link cmark wrote gets rel="nofollow noopener" after its href. Text cannot make up a
// `<a href="` of its own: cmark escapes every '<' of the input, and no raw HTML is left to
// render (make_safe), so each one found is a link of the tree; an href holds no '"' (escaped).
std::string with_link_rel(const std::string& html) {
  static const std::string open = "<a href=\"";
  std::string out;
  out.reserve(html.size());
  std::size_t from = 0;
  for (std::size_t at = html.find(open); at != std::string::npos; at = html.find(open, from)) {
    const std::size_t end = html.find('"', at + open.size());
    if (end == std::string::npos) break;
    out.append(html, from, end + 1 - from);
    out += " rel=\"nofollow noopener\"";
    from = end + 1;
  }
  out.append(html, from, std::string::npos);
  return out;
}

// An image becomes a link to its picture, its description the link's text. A link node (not a
// node of this renderer's own): cmark-gfm's table cells take only its own inline kinds, and a
// node that cannot go in is left out of the tree (and of the page).
void image_as_link(cmark_node* image, const std::string& url) {
  cmark_node* link = cmark_node_new(CMARK_NODE_LINK);
  cmark_node_set_url(link, url.c_str());
  if (!cmark_node_insert_before(image, link)) {
    cmark_node_free(link);
    move_children_before(image, image);
    return;
  }
  while (cmark_node* child = cmark_node_first_child(image)) {
    cmark_node_unlink(child);
    if (!cmark_node_append_child(link, child)) cmark_node_free(child);
  }
}

// Raw HTML becomes text: a block becomes a paragraph of its source, an inline tag its characters.
void html_as_text(cmark_node* node, bool block) {
  const char* literal = cmark_node_get_literal(node);
  cmark_node* text = cmark_node_new(CMARK_NODE_TEXT);
  std::string s = literal ? literal : "";
  if (block)
    while (!s.empty() && s.back() == '\n') s.pop_back();
  cmark_node_set_literal(text, s.c_str());
  if (block) {
    cmark_node* para = cmark_node_new(CMARK_NODE_PARAGRAPH);
    cmark_node_append_child(para, text);
    cmark_node_insert_before(node, para);
  } else {
    cmark_node_insert_before(node, text);
  }
}

// Rewrites the tree so that it holds no raw HTML, no unsafe destination and no image. Links to
// safe destinations stay cmark's own (with_link_rel adds their rel).
void make_safe(cmark_node* root) {
  // Collected first: the tree is changed only after the walk.
  std::vector<cmark_node*> nodes;
  cmark_iter* it = cmark_iter_new(root);
  for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;)
    if (ev == CMARK_EVENT_ENTER) nodes.push_back(cmark_iter_get_node(it));
  cmark_iter_free(it);

  for (cmark_node* node : nodes) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_HTML_BLOCK:
      case CMARK_NODE_HTML_INLINE:
        html_as_text(node, cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK);
        break;
      case CMARK_NODE_LINK:
      case CMARK_NODE_IMAGE: {
        const char* url = cmark_node_get_url(node);
        const bool safe = url && safe_link_destination(url);
        if (safe && cmark_node_get_type(node) == CMARK_NODE_LINK) continue;  // rendered by cmark, escaped
        if (safe)
          image_as_link(node, url);
        else
          move_children_before(node, node);
        break;
      }
      case CMARK_NODE_HEADING:
        cmark_node_set_heading_level(node, std::min(cmark_node_get_heading_level(node) + 2, 6));
        continue;
      default:
        continue;
    }
    cmark_node_free(node);  // unlinks it; its children were moved out or were its own text
  }
}

}  // namespace

bool safe_link_destination(const std::string& url) {
  for (unsigned char c : url)
    if (c < 0x21 || c == 0x7f || c == '\\') return false;
  if (starts_with_nocase(url, "https://") || starts_with_nocase(url, "http://") || starts_with_nocase(url, "mailto:"))
    return true;
  if (url.size() >= 1 && url[0] == '#') return true;
  return url == "/" || (url.size() >= 2 && url[0] == '/' && url[1] != '/');
}

std::string markdown(const std::string& text) {
  cmark_gfm_core_extensions_ensure_registered();
  // CMARK_OPT_DEFAULT keeps cmark's own safe mode on; make_safe() is the stricter rule.
  const int options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
  std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(options));
  for (const char* name : {"table", "strikethrough", "autolink"})
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name))
      cmark_parser_attach_syntax_extension(parser.get(), ext);
  cmark_parser_feed(parser.get(), text.data(), text.size());
  NodePtr doc(cmark_parser_finish(parser.get()));
  make_safe(doc.get());
  char* html = cmark_render_html(doc.get(), options, cmark_parser_get_syntax_extensions(parser.get()));
  std::string out = html ? with_link_rel(html) : "";
  std::free(html);
  return out;
}

}  // namespace mreg::server
