#include "search_lexer.h"

#include "mreg/search.h"
#include "text.h"

namespace mreg {
namespace {

// The 1-based position of the character at byte `at`, counting UTF-8 characters.
std::size_t position_of(const std::string& s, std::size_t at) {
  std::size_t n = 1;
  for (std::size_t i = 0; i < at && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
  return n;
}

bool is_word_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_word_char(char c) { return is_word_start(c) || is_ascii_digit(c) || c == '.'; }

// The end of the quoted run starting at `at` (just past the closing quote);
// a doubled quote stands for one. Appends the text inside to *inside.
std::size_t quoted_end(const std::string& s, std::size_t at, std::string* inside) {
  const char quote = s[at];
  std::size_t i = at + 1;
  while (i < s.size()) {
    if (s[i] == quote) {
      if (i + 1 < s.size() && s[i + 1] == quote) {
        if (inside) *inside += quote;
        i += 2;
        continue;
      }
      return i + 1;
    }
    if (inside) *inside += s[i];
    ++i;
  }
  throw FilterError(std::string("Invalid filter string: ") + (quote == '`' ? "backtick" : "quote") + " " + quote +
                        " is not closed",
                    position_of(s, at));
}

}  // namespace

std::vector<Token> tokenize_filter(const std::string& s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Token t;
    t.position = position_of(s, i);
    std::size_t end = i + 1;
    if (c == '\'' || c == '"') {
      t.type = TokenType::String;
      end = quoted_end(s, i, &t.value);
    } else if (is_word_start(c) || c == '`') {
      // tags.`a b` and tags."a b": a quoted part right after a dot belongs to the word.
      t.type = TokenType::Word;
      end = c == '`' ? quoted_end(s, i, nullptr) : i + 1;
      while (end < s.size()) {
        if (is_word_char(s[end])) ++end;
        else if ((s[end] == '`' || s[end] == '"') && s[end - 1] == '.') end = quoted_end(s, end, nullptr);
        else break;
      }
    } else if (is_ascii_digit(c) || ((c == '-' || c == '+') && i + 1 < s.size() && is_ascii_digit(s[i + 1]))) {
      t.type = TokenType::Number;
      while (end < s.size() && is_ascii_digit(s[end])) ++end;
      if (end + 1 < s.size() && s[end] == '.' && is_ascii_digit(s[end + 1])) {
        ++end;
        while (end < s.size() && is_ascii_digit(s[end])) ++end;
      }
    } else if (c == '=') {
      t.type = TokenType::Operator;
    } else if (c == '!' || c == '<' || c == '>') {
      t.type = TokenType::Operator;
      if (i + 1 < s.size() && s[i + 1] == '=') end = i + 2;
      else if (c == '!') throw FilterError("Invalid filter string: '!' without '=' (use !=)", position_of(s, i));
    } else if (c == '(') {
      t.type = TokenType::Open;
    } else if (c == ')') {
      t.type = TokenType::Close;
    } else if (c == ',') {
      t.type = TokenType::Comma;
    } else {
      std::size_t n = 1;  // the whole UTF-8 sequence
      while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
      throw FilterError("Invalid filter string: unexpected character '" + s.substr(i, n) + "'", position_of(s, i));
    }
    t.text = s.substr(i, end - i);
    out.push_back(std::move(t));
    i = end;
  }
  Token last;
  last.position = position_of(s, s.size());
  out.push_back(last);
  return out;
}

}  // namespace mreg
