// A report for people (mreg review, mreg compare) built once as headings, fields, tables
// and lines, then printed as text for a terminal or as Markdown for a pull-request comment,
// so that both say the same things.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mreg::cli {

class ReportDoc {
 public:
  // Text to show as code (ids, hashes, keys): backticks in Markdown, as it is in text.
  static std::string code(const std::string& text);
  // Text to stress (verdicts): bold in Markdown, as it is in text.
  static std::string strong(const std::string& text);

  void heading(int level, const std::string& text);  // 1, 2, 3
  void fields(std::vector<std::pair<std::string, std::string>> fields);
  void table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows);
  void line(const std::string& text);  // a paragraph of its own
  void item(const std::string& text);  // an item of a list

  std::string text() const;
  std::string markdown() const;

 private:
  struct Block {
    enum class Kind { Heading, Fields, Table, Line, Item } kind;
    int level = 0;
    std::vector<std::vector<std::string>> rows;  // fields: (key, value); table: header first; line: one cell
  };
  std::vector<Block> blocks_;
};

}  // namespace mreg::cli
