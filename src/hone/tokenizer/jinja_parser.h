// Turns the lexer's tokens into a template body (see jinja_ast.h), following Jinja2's grammar
// and operator precedence. Errors name the template, line and column and what was expected.
#pragma once

#include <string>
#include <vector>

#include "hone/tokenizer/jinja_ast.h"
#include "hone/tokenizer/jinja_lexer.h"

namespace hone::jinja {

Body parse_template(const std::vector<Token>& tokens, const std::string& template_name);

}  // namespace hone::jinja
