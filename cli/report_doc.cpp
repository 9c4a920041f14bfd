#include "report_doc.h"

#include <sstream>

#include "output.h"

namespace mreg::cli {
namespace {

// Markers around code and strong text inside a cell; the renderers replace them.
constexpr char kCodeOpen = '\x01', kCodeClose = '\x02', kStrongOpen = '\x03', kStrongClose = '\x04';

std::string without_markers(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c < kCodeOpen || c > kStrongClose) out += c;
  return out;
}

// Markdown that shows `text` as it is: every character that can start markup inside a line is
// escaped (`<` too, so that no HTML or autolink comes of a comment or tag; a `>` opens nothing
// but at the start of a line, where the text never is), and line breaks become <br>, which
// tables and list items keep.
std::string markdown_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "<br>";
      continue;
    }
    if (c == '\r') continue;
    if (std::string("\\`*_[]<|~#&").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// A code span that holds `text` whatever backticks it has.
std::string markdown_code(const std::string& text) {
  std::string fence = "`";
  while (text.find(fence) != std::string::npos) fence += '`';
  std::string body;
  for (char c : text) body += c == '\n' ? ' ' : c;
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string markdown_cell(const std::string& text) {
  std::string out, run;
  char open = 0;
  for (char c : text) {
    if (c == kCodeOpen || c == kStrongOpen) {
      out += markdown_escape(run);
      run.clear();
      open = c;
    } else if (c == kCodeClose || c == kStrongClose) {
      if (open == kCodeOpen) out += markdown_code(run);
      else if (open == kStrongOpen) out += "**" + markdown_escape(run) + "**";
      else out += markdown_escape(run);
      run.clear();
      open = 0;
    } else {
      run += c;
    }
  }
  return out + markdown_escape(run);
}

// A table cell in a terminal: one line.
std::string text_cell(const std::string& text) {
  std::string out;
  for (char c : without_markers(text)) out += c == '\n' ? ' ' : c;
  return out;
}

}  // namespace

std::string ReportDoc::code(const std::string& text) {
  return std::string(1, kCodeOpen) + without_markers(text) + kCodeClose;
}
std::string ReportDoc::strong(const std::string& text) {
  return std::string(1, kStrongOpen) + without_markers(text) + kStrongClose;
}

void ReportDoc::heading(int level, const std::string& text) {
  blocks_.push_back({Block::Kind::Heading, level, {{text}}});
}
void ReportDoc::fields(std::vector<std::pair<std::string, std::string>> fields) {
  Block b{Block::Kind::Fields, 0, {}};
  for (auto& [k, v] : fields) b.rows.push_back({std::move(k), std::move(v)});
  if (!b.rows.empty()) blocks_.push_back(std::move(b));
}
void ReportDoc::table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows) {
  Block b{Block::Kind::Table, 0, {std::move(header)}};
  for (auto& r : rows) b.rows.push_back(std::move(r));
  blocks_.push_back(std::move(b));
}
void ReportDoc::line(const std::string& text) { blocks_.push_back({Block::Kind::Line, 0, {{text}}}); }
void ReportDoc::item(const std::string& text) { blocks_.push_back({Block::Kind::Item, 0, {{text}}}); }

std::string ReportDoc::text() const {
  std::ostringstream out;
  // Headings of levels 1 and 2 start at the margin, level 3 two spaces in; what follows a
  // heading is two spaces further in than it.
  std::string indent = "  ";
  auto indented = [&](const std::string& block) {
    std::istringstream lines(block);
    for (std::string l; std::getline(lines, l);) out << indent << l << "\n";
  };
  bool first = true;
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::Kind::Heading: {
        const std::string at(b.level >= 3 ? 2 : 0, ' ');
        out << (first ? "" : "\n") << at << text_cell(b.rows[0][0]) << "\n";
        indent = at + "  ";
        break;
      }
      case Block::Kind::Fields: {
        Fields f;
        for (const auto& r : b.rows) f.add(r[0], without_markers(r[1]));
        std::ostringstream body;
        f.print(body);
        indented(body.str());
        break;
      }
      case Block::Kind::Table: {
        std::vector<std::string> header;
        for (const auto& c : b.rows[0]) header.push_back(text_cell(c));
        Table table(header);
        for (std::size_t i = 1; i < b.rows.size(); ++i) {
          std::vector<std::string> row;
          for (const auto& c : b.rows[i]) row.push_back(text_cell(c));
          table.add(row);
        }
        std::ostringstream body;
        table.print(body);
        indented(body.str());
        break;
      }
      case Block::Kind::Line: indented(without_markers(b.rows[0][0])); break;
      case Block::Kind::Item: indented("- " + without_markers(b.rows[0][0])); break;
    }
    first = false;
  }
  return out.str();
}

std::string ReportDoc::markdown() const {
  std::ostringstream out;
  Block::Kind previous = Block::Kind::Heading;
  bool first = true;
  for (const auto& b : blocks_) {
    // Blocks are separated by a blank line, but for items of one list.
    if (!first && !(b.kind == Block::Kind::Item && previous == Block::Kind::Item)) out << "\n";
    switch (b.kind) {
      case Block::Kind::Heading: out << std::string(b.level + 2, '#') << " " << markdown_cell(b.rows[0][0]) << "\n"; break;
      case Block::Kind::Fields:
        for (const auto& r : b.rows) out << "- **" << markdown_escape(r[0]) << "**: " << markdown_cell(r[1]) << "\n";
        break;
      case Block::Kind::Table:
        for (std::size_t i = 0; i < b.rows.size(); ++i) {
          out << "|";
          for (const auto& c : b.rows[i]) out << " " << markdown_cell(c) << " |";
          out << "\n";
          if (i == 0) {
            out << "|";
            for (std::size_t c = 0; c < b.rows[0].size(); ++c) out << " --- |";
            out << "\n";
          }
        }
        break;
      case Block::Kind::Line: out << markdown_cell(b.rows[0][0]) << "\n"; break;
      case Block::Kind::Item: out << "- " << markdown_cell(b.rows[0][0]) << "\n"; break;
    }
    previous = b.kind;
    first = false;
  }
  return out.str();
}

}  // namespace mreg::cli
