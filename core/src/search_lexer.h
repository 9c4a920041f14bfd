// The words of a search filter: identifiers, quoted strings, numbers,
// comparison operators and list punctuation, each with its position.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace mreg {

enum class TokenType { Word, String, Number, Operator, Open, Close, Comma, End };

struct Token {
  TokenType type = TokenType::End;
  std::string text;   // as written
  std::string value;  // a string without its quotes, doubled quotes made single
  std::size_t position = 1;  // 1-based, in characters
};

// Throws FilterError on an unterminated quote or a character no token starts with.
// The last token is End, positioned just past the filter.
std::vector<Token> tokenize_filter(const std::string& filter);

}  // namespace mreg
