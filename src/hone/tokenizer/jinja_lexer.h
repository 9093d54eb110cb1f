// Splits a Jinja template into tokens: literal text, tag delimiters and the words, literals and
// operators inside tags. Whitespace control happens here, as in Jinja2's lexer: `-` strips
// around a tag, trim_blocks drops the newline after a block or comment tag, lstrip_blocks drops
// the indentation before one (`+` opts a tag out of either), and a final newline is dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hone/tokenizer/jinja_error.h"

namespace hone::jinja {

enum class TokenKind { Text, ExprBegin, ExprEnd, StmtBegin, StmtEnd, Name, String, Integer, Float, Operator, End };

struct Token {
  TokenKind kind;
  std::string value;  // text, name, unescaped string, number spelling, or operator
  SourcePos pos;
};

struct LexOptions {
  // transformers renders chat templates with trim_blocks=True and lstrip_blocks=True.
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  bool keep_trailing_newline = false;
};

// Errors name `template_name` and the line and column.
std::vector<Token> tokenize(std::string_view source, const LexOptions& options, const std::string& template_name);

}  // namespace hone::jinja
