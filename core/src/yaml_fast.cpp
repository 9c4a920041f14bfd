// A reader for the canonical YAML that mreg writes, about ten times faster
// than yaml-cpp. It accepts only a subset whose meaning is unambiguous and
// gives up (nullopt) on anything else: comments, single quotes, anchors,
// block sequences, tab indentation, CR and other control characters, a byte-order mark,
// characters YAML treats as line breaks or as non-printable, numbers out of
// range, trailing spaces, indentation indicators.
#include <string_view>

#include "yaml_doc.h"

namespace mreg {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class FastParser {
 public:
  FastParser(const std::string& text, std::map<std::string, int>& lines) : lines_(lines) {
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) {
        ok_ = false;  // no final newline: leave it to yaml-cpp
        return;
      }
      text_lines_.emplace_back(text.data() + start, end - start);
      start = end + 1;
    }
  }

  bool parse(Json& out) {
    if (!ok_ || text_lines_.empty()) return false;
    for (auto l : text_lines_)
      if (!plain_text(l)) return false;
    out = Json::object();
    if (!mapping(0, "", out)) return false;
    // Blank lines only are no mapping but an empty document (null), as yaml-cpp reads them.
    return idx_ == text_lines_.size() && !out.empty();
  }

 private:
  static size_t indent_of(std::string_view l) {
    size_t n = 0;
    while (n < l.size() && l[n] == ' ') ++n;
    return n;
  }
  static bool blank(std::string_view l) { return indent_of(l) == l.size(); }

  // A line with nothing that yaml-cpp might read otherwise: no control characters but tabs
  // (which the readers of keys, plain scalars and block indentation refuse on their own; CR too), no U+0080..U+009F (NEL among them), no U+2028/U+2029 (line breaks to YAML 1.1),
  // no byte-order mark and no U+FFFE/U+FFFF. Invalid UTF-8 never gets here.
  static bool plain_text(std::string_view l) {
    for (size_t i = 0; i < l.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(l[i]);
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
      if (c < 0x80) continue;
      const unsigned char c1 = i + 1 < l.size() ? static_cast<unsigned char>(l[i + 1]) : 0;
      const unsigned char c2 = i + 2 < l.size() ? static_cast<unsigned char>(l[i + 2]) : 0;
      if (c == 0xC2 && c1 < 0xA0) return false;
      if (c == 0xE2 && c1 == 0x80 && (c2 == 0xA8 || c2 == 0xA9)) return false;
      if (c == 0xEF && c1 == 0xBB && c2 == 0xBF) return false;
      if (c == 0xEF && c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)) return false;
    }
    return true;
  }

  void skip_blank() {
    while (idx_ < text_lines_.size() && blank(text_lines_[idx_])) {
      if (!text_lines_[idx_].empty()) {
        blank_with_spaces_ = true;
      }
      ++idx_;
    }
  }

  // "..." at the start of `s`; sets *consumed to its length.
  static bool double_quoted(std::string_view s, std::string& out, size_t* consumed) {
    if (s.empty() || s[0] != '"') return false;
    out.clear();
    size_t i = 1;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') {
        *consumed = i + 1;
        return true;
      }
      if (c != '\\') {
        out += c;
        ++i;
        continue;
      }
      if (i + 1 >= s.size()) return false;
      char e = s[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '0': out += '\0'; break;
        case 'x':
        case 'u': {
          const size_t digits = e == 'x' ? 2 : 4;
          if (i + digits > s.size()) return false;
          unsigned cp = 0;
          for (size_t k = 0; k < digits; ++k) {
            int h = hex_value(s[i + k]);
            if (h < 0) return false;
            cp = cp * 16 + static_cast<unsigned>(h);
          }
          if (e == 'u' && cp >= 0xD800 && cp <= 0xDFFF) return false;
          append_utf8(out, cp);
          i += digits;
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  // A scalar that fills the rest of a line (or a flow item).
  static bool scalar(std::string_view s, bool in_flow, Json& out) {
    if (s.empty()) return false;
    if (s[0] == '"') {
      std::string v;
      size_t used = 0;
      if (!double_quoted(s, v, &used) || used != s.size()) return false;
      out = std::move(v);
      return true;
    }
    std::string v(s);
    Json resolved;
    try {
      resolved = resolve_plain(v);
    } catch (const NumberOutOfRange&) {
      return false;  // yaml-cpp's path names the problem
    }
    if (resolved.is_string()) {
      if (!plain_is_safe(v, in_flow)) return false;
    } else {
      // Numbers, booleans and null only in their plain, simple spellings.
      if (v.find_first_of(" #:,[]{}") != std::string::npos) return false;
    }
    out = std::move(resolved);
    return true;
  }

  bool flow_list(std::string_view s, Json& out) {
    if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
    out = Json::array();
    std::string_view body = s.substr(1, s.size() - 2);
    if (body.empty()) return true;
    size_t i = 0;
    while (true) {
      size_t end;
      if (body[i] == '"') {
        std::string v;
        size_t used = 0;
        if (!double_quoted(body.substr(i), v, &used)) return false;
        out.push_back(v);
        end = i + used;
      } else {
        end = body.find(',', i);
        if (end == std::string_view::npos) end = body.size();
        Json item;
        if (!scalar(body.substr(i, end - i), true, item) || !item.is_string()) return false;
        out.push_back(item);
      }
      if (end == body.size()) return true;
      if (body.substr(end, 2) != ", " || end + 2 >= body.size()) return false;
      i = end + 2;
    }
  }

  // A literal block after "key: |", "|-" or "|+".
  bool literal_block(size_t parent_indent, char chomp, Json& out) {
    size_t first = idx_;
    while (first < text_lines_.size() && text_lines_[first].empty()) ++first;
    if (first >= text_lines_.size()) return false;
    const size_t indent = indent_of(text_lines_[first]);
    if (indent <= parent_indent || blank(text_lines_[first])) return false;
    std::string body;
    size_t trailing_empty = 0;
    bool any = false;
    while (idx_ < text_lines_.size()) {
      std::string_view l = text_lines_[idx_];
      if (l.empty()) {
        ++trailing_empty;
        ++idx_;
        continue;
      }
      if (blank(l)) return false;  // whitespace-only lines: leave to yaml-cpp
      if (l[indent_of(l)] == '\t') return false;  // a tab in the indentation
      if (indent_of(l) < indent) break;
      if (any) body.append(trailing_empty + 1, '\n');
      else body.append(trailing_empty, '\n');
      trailing_empty = 0;
      body.append(l.substr(indent));
      any = true;
      ++idx_;
    }
    if (!any) return false;
    if (chomp == '+') body.append(trailing_empty + 1, '\n');
    else if (chomp == ' ') body += '\n';
    // Empty lines after a clipped or stripped block belong to nothing.
    out = std::move(body);
    return true;
  }

  bool mapping(size_t indent, const std::string& pointer, Json& out) {
    while (true) {
      skip_blank();
      if (blank_with_spaces_) return false;
      if (idx_ >= text_lines_.size()) return true;
      std::string_view l = text_lines_[idx_];
      const size_t n = indent_of(l);
      if (n < indent) return true;
      if (n > indent) return false;
      std::string_view rest = l.substr(n);
      if (rest[0] == '#' || rest[0] == '-' || rest.back() == ' ') return false;

      std::string key;
      size_t after_key;
      if (rest[0] == '"') {
        if (!double_quoted(rest, key, &after_key)) return false;
      } else {
        // The key ends at the first ':' followed by a space or the end of the line.
        after_key = 0;
        while (true) {
          after_key = rest.find(':', after_key);
          if (after_key == std::string_view::npos) return false;
          if (after_key + 1 == rest.size() || rest[after_key + 1] == ' ') break;
          ++after_key;
        }
        key = std::string(rest.substr(0, after_key));
        if (!plain_is_safe(key)) return false;
      }
      if (after_key >= rest.size() || rest[after_key] != ':') return false;
      std::string_view value = rest.substr(after_key + 1);
      if (out.contains(key)) return false;  // duplicate: yaml-cpp's path reports it
      const std::string child = pointer + "/" + pointer_escape(key);
      lines_[child] = static_cast<int>(idx_) + 1;
      ++idx_;

      if (value.empty()) {
        // A nested block mapping, or null.
        skip_blank();
        if (blank_with_spaces_) return false;
        if (idx_ < text_lines_.size() && indent_of(text_lines_[idx_]) > indent) {
          Json nested = Json::object();
          if (!mapping(indent_of(text_lines_[idx_]), child, nested)) return false;
          out[key] = std::move(nested);
        } else {
          out[key] = nullptr;
        }
        continue;
      }
      if (value[0] != ' ' || value.size() < 2 || value[1] == ' ') return false;
      value = value.substr(1);
      if (value == "|" || value == "|-" || value == "|+") {
        Json text;
        if (!literal_block(indent, value.size() == 1 ? ' ' : value[1], text)) return false;
        out[key] = std::move(text);
      } else if (value == "{}") {
        out[key] = Json::object();
      } else if (value[0] == '[') {
        Json list;
        if (!flow_list(value, list)) return false;
        out[key] = std::move(list);
      } else {
        Json v;
        if (!scalar(value, false, v)) return false;
        out[key] = std::move(v);
      }
    }
  }

  std::vector<std::string_view> text_lines_;
  std::map<std::string, int>& lines_;
  size_t idx_ = 0;
  bool ok_ = true;
  bool blank_with_spaces_ = false;
};

}  // namespace

std::optional<YamlDocument> parse_canonical_yaml(const std::string& text) {
  YamlDocument doc;
  doc.lines[""] = 1;
  FastParser parser(text, doc.lines);
  if (!parser.parse(doc.value)) return std::nullopt;
  return doc;
}

}  // namespace mreg
