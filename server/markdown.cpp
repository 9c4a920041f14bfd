#include "markdown.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "html.h"

namespace mreg::server {
namespace {

// Deeper nesting than this is shown as plain text (bounded recursion on any input).
constexpr int kMaxDepth = 6;

bool safe_url(const std::string& url) {
  // No spaces, controls, quotes or angle brackets: none belongs in a URL unescaped.
  for (unsigned char c : url)
    if (c < 0x21 || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`') return false;
  for (const char* scheme : {"https://", "http://", "mailto:"})
    if (url.rfind(scheme, 0) == 0) return true;
  return (url.rfind("/", 0) == 0 && url.rfind("//", 0) != 0) || url.rfind("#", 0) == 0;
}

std::string inline_markdown(const std::string& s, int depth) {
  if (depth > kMaxDepth) return escape(s);
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '`') {
      const auto j = s.find('`', i + 1);
      if (j != std::string::npos) {
        out += "<code>" + escape(s.substr(i + 1, j - i - 1)) + "</code>";
        i = j + 1;
        continue;
      }
    } else if (s.compare(i, 2, "**") == 0) {
      const auto j = s.find("**", i + 2);
      if (j != std::string::npos && j > i + 2) {
        out += "<strong>" + inline_markdown(s.substr(i + 2, j - i - 2), depth + 1) + "</strong>";
        i = j + 2;
        continue;
      }
    } else if (c == '*') {
      const auto j = s.find('*', i + 1);
      if (j != std::string::npos && j > i + 1 && s[i + 1] != ' ') {
        out += "<em>" + inline_markdown(s.substr(i + 1, j - i - 1), depth + 1) + "</em>";
        i = j + 1;
        continue;
      }
    } else if (c == '[') {
      const auto k = s.find("](", i + 1);
      const auto j = k == std::string::npos ? k : s.find(')', k + 2);
      if (j != std::string::npos) {
        const std::string url = s.substr(k + 2, j - k - 2);
        if (safe_url(url)) {
          out += "<a href=\"" + escape(url) + "\" rel=\"nofollow noopener\">" +
                 inline_markdown(s.substr(i + 1, k - i - 1), depth + 1) + "</a>";
          i = j + 1;
          continue;
        }
      }
    }
    out += escape(std::string(1, c));
    ++i;
  }
  return out;
}

std::string trim_left(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// "- item", "* item" -> "item"; "12. item" -> "item"; else false.
bool list_item(const std::string& line, bool& ordered, std::string& item) {
  const std::string t = trim_left(line);
  if (t.size() >= 2 && (t[0] == '-' || t[0] == '*') && t[1] == ' ') {
    ordered = false;
    item = t.substr(2);
    return true;
  }
  std::size_t d = 0;
  while (d < t.size() && d < 9 && std::isdigit(static_cast<unsigned char>(t[d]))) ++d;
  if (d > 0 && d + 1 < t.size() && t[d] == '.' && t[d + 1] == ' ') {
    ordered = true;
    item = t.substr(d + 2);
    return true;
  }
  return false;
}

}  // namespace

std::string markdown(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = nl + 1;
  }

  std::string out, paragraph, list_tag;
  auto close_paragraph = [&] {
    if (!paragraph.empty()) out += "<p>" + inline_markdown(paragraph, 0) + "</p>\n";
    paragraph.clear();
  };
  auto close_list = [&] {
    if (!list_tag.empty()) out += "</" + list_tag + ">\n";
    list_tag.clear();
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string t = trim_left(line);
    bool ordered = false;
    std::string item;
    if (t.rfind("```", 0) == 0) {
      close_paragraph();
      close_list();
      std::string code;
      for (++i; i < lines.size() && trim_left(lines[i]).rfind("```", 0) != 0; ++i) code += lines[i] + "\n";
      out += "<pre><code>" + escape(code) + "</code></pre>\n";
    } else if (t.empty()) {
      close_paragraph();
      close_list();
    } else if (t[0] == '#') {
      std::size_t level = 0;
      while (level < t.size() && t[level] == '#') ++level;
      if (level <= 6 && level < t.size() && t[level] == ' ') {
        close_paragraph();
        close_list();
        // The page's own headings are h1 and h2: a description's start at h3.
        const std::string h = "h" + std::to_string(std::min<std::size_t>(level + 2, 6));
        out += "<" + h + ">" + inline_markdown(t.substr(level + 1), 0) + "</" + h + ">\n";
      } else {
        paragraph += (paragraph.empty() ? "" : "\n") + t;
      }
    } else if (list_item(line, ordered, item)) {
      close_paragraph();
      const std::string tag = ordered ? "ol" : "ul";
      if (list_tag != tag) {
        close_list();
        out += "<" + tag + ">\n";
        list_tag = tag;
      }
      out += "<li>" + inline_markdown(item, 0) + "</li>\n";
    } else if (t[0] == '>') {
      close_paragraph();
      close_list();
      out += "<blockquote>" + inline_markdown(trim_left(t.substr(1)), 0) + "</blockquote>\n";
    } else {
      close_list();
      paragraph += (paragraph.empty() ? "" : "\n") + t;
    }
  }
  close_paragraph();
  close_list();
  return out;
}

}  // namespace mreg::server
