#include "hone/tokenizer/jinja_parser.h"

#include <algorithm>
#include <initializer_list>

namespace hone::jinja {

namespace {

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const std::string& name) : tokens_(tokens), name_(name) {}

  Body parse_all() {
    std::string end;
    Body body = parse_body({}, end);
    return body;
  }

 private:
  const Token& peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const Token& next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  bool is_op(const char* op, size_t ahead = 0) const { return peek(ahead).kind == TokenKind::Operator && peek(ahead).value == op; }
  bool is_name(const char* word, size_t ahead = 0) const { return peek(ahead).kind == TokenKind::Name && peek(ahead).value == word; }

  static std::string describe(const Token& token) {
    switch (token.kind) {
      case TokenKind::Text: return "template text";
      case TokenKind::ExprBegin: return "'{{'";
      case TokenKind::ExprEnd: return "'}}'";
      case TokenKind::StmtBegin: return "'{%'";
      case TokenKind::StmtEnd: return "'%}'";
      case TokenKind::Name: return "'" + token.value + "'";
      case TokenKind::String: return "a string";
      case TokenKind::Integer:
      case TokenKind::Float: return "the number " + token.value;
      case TokenKind::Operator: return "'" + token.value + "'";
      case TokenKind::End: return "the end of the template";
    }
    return "?";
  }

  [[noreturn]] void error(const Token& at, const std::string& message) const {
    throw TemplateError(located_message(name_, at.pos, "syntax error: " + message), true);
  }

  void expect_op(const char* op) {
    if (!is_op(op)) error(peek(), std::string("expected '") + op + "', got " + describe(peek()));
    ++pos_;
  }
  void expect_stmt_end(const char* after) {
    if (peek().kind != TokenKind::StmtEnd) error(peek(), std::string("expected '%}' after ") + after + ", got " + describe(peek()));
    ++pos_;
  }
  std::string expect_name(const char* what) {
    if (peek().kind != TokenKind::Name) error(peek(), std::string("expected ") + what + ", got " + describe(peek()));
    return next().value;
  }

  // Parses nodes until a `{% word %}` with word in `ends`; consumes "{% word", leaves the rest
  // of that tag for the caller. At top level (`ends` empty) parses to the end.
  Body parse_body(std::initializer_list<const char*> ends, std::string& found_end) {
    Body body;
    while (true) {
      const Token& token = peek();
      if (token.kind == TokenKind::End) {
        if (ends.size() == 0) return body;
        std::string expected;
        for (const char* e : ends) expected += (expected.empty() ? "" : " or ") + std::string("'{% ") + e + " %}'";
        error(token, "unexpected end of template, expected " + expected + open_blocks_hint());
      }
      if (token.kind == TokenKind::Text) {
        body.push_back(std::make_unique<TextNode>(token.pos, token.value));
        ++pos_;
      } else if (token.kind == TokenKind::ExprBegin) {
        ++pos_;
        ExprPtr expr = parse_expression();
        if (peek().kind != TokenKind::ExprEnd) error(peek(), "expected '}}', got " + describe(peek()));
        ++pos_;
        body.push_back(std::make_unique<OutputNode>(token.pos, std::move(expr)));
      } else if (token.kind == TokenKind::StmtBegin) {
        const Token& word = peek(1);
        if (word.kind == TokenKind::Name &&
            std::any_of(ends.begin(), ends.end(), [&](const char* e) { return word.value == e; })) {
          pos_ += 2;
          found_end = word.value;
          return body;
        }
        ++pos_;
        body.push_back(parse_statement(token));
      } else {
        error(token, "unexpected " + describe(token));
      }
    }
  }

  std::string open_blocks_hint() const {
    if (open_blocks_.empty()) return "";
    const auto& [word, pos] = open_blocks_.back();
    return " (the '" + word + "' block opened at line " + std::to_string(pos.line) + " is not closed)";
  }

  struct BlockGuard {
    BlockGuard(Parser& p, const std::string& word, SourcePos pos) : parser(p) { parser.open_blocks_.emplace_back(word, pos); }
    ~BlockGuard() { parser.open_blocks_.pop_back(); }
    Parser& parser;
  };

  NodePtr parse_statement(const Token& open) {
    const Token& word_token = peek();
    if (word_token.kind != TokenKind::Name) error(word_token, "expected a statement name after '{%', got " + describe(word_token));
    const std::string word = next().value;
    const SourcePos pos = open.pos;
    BlockGuard guard(*this, word, pos);
    if (word == "if") return parse_if(pos);
    if (word == "for") return parse_for(pos);
    if (word == "set") return parse_set(pos);
    if (word == "macro") return parse_macro(pos);
    if (word == "call") return parse_call_block(pos);
    if (word == "filter") return parse_filter_block(pos);
    if (word == "break" || word == "continue") {
      if (loop_depth_ == 0) error(word_token, "'" + word + "' outside of a for loop");
      expect_stmt_end(word.c_str());
      return std::make_unique<SimpleNode>(word == "break" ? Node::Kind::Break : Node::Kind::Continue, pos);
    }
    if (word == "generation") {
      expect_stmt_end("generation");
      auto node = std::make_unique<GenerationNode>(pos);
      std::string end;
      node->body = parse_body({"endgeneration"}, end);
      expect_stmt_end("endgeneration");
      return node;
    }
    error(word_token, "unknown statement '" + word + "'");
  }

  NodePtr parse_if(SourcePos pos) {
    auto node = std::make_unique<IfNode>(pos);
    ExprPtr test = parse_expression();
    expect_stmt_end("the if condition");
    while (true) {
      std::string end;
      Body body = parse_body({"elif", "else", "endif"}, end);
      node->branches.emplace_back(std::move(test), std::move(body));
      if (end == "elif") {
        test = parse_expression();
        expect_stmt_end("the elif condition");
        continue;
      }
      if (end == "else") {
        expect_stmt_end("else");
        node->otherwise = parse_body({"endif"}, end);
      }
      expect_stmt_end("endif");
      return node;
    }
  }

  std::vector<std::string> parse_targets(const char* what) {
    std::vector<std::string> targets;
    const bool parenthesized = is_op("(");
    if (parenthesized) ++pos_;
    targets.push_back(expect_name(what));
    while (is_op(",")) {
      ++pos_;
      if (peek().kind != TokenKind::Name) break;
      targets.push_back(next().value);
    }
    if (parenthesized) expect_op(")");
    return targets;
  }

  NodePtr parse_for(SourcePos pos) {
    auto node = std::make_unique<ForNode>(pos);
    node->targets = parse_targets("a loop variable name");
    if (!is_name("in")) error(peek(), "expected 'in' after the loop variable, got " + describe(peek()));
    ++pos_;
    node->iterable = parse_or_ternary(/*allow_conditional=*/false);
    if (is_name("if")) {
      ++pos_;
      node->condition = parse_or_ternary(false);
    }
    if (is_name("recursive")) error(peek(), "recursive loops are not supported");
    expect_stmt_end("the for loop header");
    ++loop_depth_;
    std::string end;
    node->body = parse_body({"else", "endfor"}, end);
    --loop_depth_;
    if (end == "else") {
      expect_stmt_end("else");
      node->otherwise = parse_body({"endfor"}, end);
    }
    expect_stmt_end("endfor");
    return node;
  }

  NodePtr parse_set(SourcePos pos) {
    std::vector<std::string> targets = parse_targets("a variable name");
    std::string attribute;
    if (targets.size() == 1 && is_op(".")) {
      ++pos_;
      attribute = expect_name("an attribute name");
    }
    if (is_op("=")) {
      ++pos_;
      auto node = std::make_unique<SetNode>(pos);
      node->targets = std::move(targets);
      node->attribute = std::move(attribute);
      node->value = parse_tuple_or_expression();
      expect_stmt_end("the set value");
      return node;
    }
    if (targets.size() != 1) error(peek(), "a block set assigns one name");
    auto node = std::make_unique<SetBlockNode>(pos);
    node->target = targets[0];
    node->attribute = std::move(attribute);
    while (is_op("|")) {
      ++pos_;
      node->filters.push_back(parse_filter(nullptr));
    }
    expect_stmt_end("set");
    std::string end;
    node->body = parse_body({"endset"}, end);
    expect_stmt_end("endset");
    return node;
  }

  void parse_params(std::vector<std::pair<std::string, ExprPtr>>& params) {
    expect_op("(");
    bool saw_default = false;
    while (!is_op(")")) {
      const Token& at = peek();
      std::string param = expect_name("a parameter name");
      ExprPtr fallback;
      if (is_op("=")) {
        ++pos_;
        fallback = parse_expression();
        saw_default = true;
      } else if (saw_default) {
        error(at, "parameter '" + param + "' without a default follows one with a default");
      }
      params.emplace_back(std::move(param), std::move(fallback));
      if (!is_op(",")) break;
      ++pos_;
    }
    expect_op(")");
  }

  NodePtr parse_macro(SourcePos pos) {
    auto node = std::make_unique<MacroNode>(pos);
    node->name = expect_name("a macro name");
    parse_params(node->params);
    expect_stmt_end("the macro signature");
    std::string end;
    node->body = parse_body({"endmacro"}, end);
    if (peek().kind == TokenKind::Name && peek().value == node->name) ++pos_;
    expect_stmt_end("endmacro");
    return node;
  }

  NodePtr parse_call_block(SourcePos pos) {
    auto node = std::make_unique<CallBlockNode>(pos);
    node->caller = std::make_shared<MacroNode>(pos);
    node->caller->name = "caller";
    if (is_op("(")) parse_params(node->caller->params);
    node->call = parse_expression();
    if (node->call->kind != Expr::Kind::Call) error(peek(), "expected a macro call after 'call'");
    expect_stmt_end("the call block header");
    std::string end;
    node->caller->body = parse_body({"endcall"}, end);
    expect_stmt_end("endcall");
    return node;
  }

  NodePtr parse_filter_block(SourcePos pos) {
    auto node = std::make_unique<FilterBlockNode>(pos);
    node->filters.push_back(parse_filter(nullptr));
    while (is_op("|")) {
      ++pos_;
      node->filters.push_back(parse_filter(nullptr));
    }
    expect_stmt_end("the filter block header");
    std::string end;
    node->body = parse_body({"endfilter"}, end);
    expect_stmt_end("endfilter");
    return node;
  }

  // ---- expressions (Jinja2's precedence, loosest first) ----

  // `set x = a, b` makes a tuple.
  ExprPtr parse_tuple_or_expression() {
    const SourcePos pos = peek().pos;
    ExprPtr first = parse_expression();
    if (!is_op(",")) return first;
    auto tuple = std::make_unique<ListExpr>(pos, true);
    tuple->items.push_back(std::move(first));
    while (is_op(",")) {
      ++pos_;
      if (peek().kind == TokenKind::StmtEnd) break;
      tuple->items.push_back(parse_expression());
    }
    return tuple;
  }

  ExprPtr parse_expression() { return parse_or_ternary(true); }

  ExprPtr parse_or_ternary(bool allow_conditional) {
    ExprPtr expr = parse_or();
    while (allow_conditional && is_name("if")) {
      const SourcePos pos = next().pos;
      auto cond = std::make_unique<ConditionalExpr>(pos);
      cond->if_true = std::move(expr);
      cond->test = parse_or();
      if (is_name("else")) {
        ++pos_;
        cond->if_false = parse_or_ternary(true);
      }
      expr = std::move(cond);
    }
    return expr;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
      const SourcePos pos = next().pos;
      left = std::make_unique<BinaryExpr>(pos, "or", std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
      const SourcePos pos = next().pos;
      left = std::make_unique<BinaryExpr>(pos, "and", std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      const SourcePos pos = next().pos;
      return std::make_unique<UnaryExpr>(pos, "not", parse_not());
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    ExprPtr left = parse_math1();
    bool compared = false;
    while (true) {
      std::string op;
      const Token& at = peek();
      if (at.kind == TokenKind::Operator &&
          (at.value == "==" || at.value == "!=" || at.value == "<" || at.value == ">" || at.value == "<=" || at.value == ">=")) {
        op = next().value;
      } else if (is_name("in")) {
        ++pos_;
        op = "in";
      } else if (is_name("not") && is_name("in", 1)) {
        pos_ += 2;
        op = "not in";
      } else {
        return left;
      }
      // Python would chain these (a < b < c); no chat template does, so say so rather than guess.
      if (compared) error(at, "chained comparisons are not supported; write (a < b) and (b < c)");
      compared = true;
      left = std::make_unique<BinaryExpr>(at.pos, op, std::move(left), parse_math1());
    }
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      const Token& op = next();
      left = std::make_unique<BinaryExpr>(op.pos, op.value, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr left = parse_math2();
    while (is_op("~")) {
      const SourcePos pos = next().pos;
      left = std::make_unique<BinaryExpr>(pos, "~", std::move(left), parse_math2());
    }
    return left;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& op = next();
      left = std::make_unique<BinaryExpr>(op.pos, op.value, std::move(left), parse_pow());
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      const SourcePos pos = next().pos;
      left = std::make_unique<BinaryExpr>(pos, "**", std::move(left), parse_unary(true));
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      const Token& op = next();
      node = std::make_unique<UnaryExpr>(op.pos, op.value, parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_chain(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& token = next();
    switch (token.kind) {
      case TokenKind::Name: {
        const std::string& n = token.value;
        if (n == "true" || n == "True") return std::make_unique<LiteralExpr>(token.pos, Value::boolean(true));
        if (n == "false" || n == "False") return std::make_unique<LiteralExpr>(token.pos, Value::boolean(false));
        if (n == "none" || n == "None") return std::make_unique<LiteralExpr>(token.pos, Value::none());
        return std::make_unique<NameExpr>(token.pos, n);
      }
      case TokenKind::String: {
        std::string s = token.value;
        while (peek().kind == TokenKind::String) s += next().value;  // adjacent literals concatenate
        return std::make_unique<LiteralExpr>(token.pos, Value::string(Text(std::move(s))));
      }
      case TokenKind::Integer: {
        try {
          return std::make_unique<LiteralExpr>(token.pos, Value::integer(std::stoll(token.value)));
        } catch (const std::out_of_range&) {
          error(token, "integer literal " + token.value + " is too large");
        }
      }
      case TokenKind::Float: return std::make_unique<LiteralExpr>(token.pos, Value::floating(std::stod(token.value)));
      case TokenKind::Operator:
        if (token.value == "(") return parse_parenthesized(token.pos);
        if (token.value == "[") return parse_list(token.pos);
        if (token.value == "{") return parse_dict(token.pos);
        break;
      default: break;
    }
    error(token, "expected an expression, got " + describe(token));
  }

  ExprPtr parse_parenthesized(SourcePos pos) {
    if (is_op(")")) {
      ++pos_;
      return std::make_unique<ListExpr>(pos, true);
    }
    ExprPtr first = parse_expression();
    if (is_op(")")) {
      ++pos_;
      return first;
    }
    auto tuple = std::make_unique<ListExpr>(pos, true);
    tuple->items.push_back(std::move(first));
    while (is_op(",")) {
      ++pos_;
      if (is_op(")")) break;
      tuple->items.push_back(parse_expression());
    }
    expect_op(")");
    return tuple;
  }

  ExprPtr parse_list(SourcePos pos) {
    auto list = std::make_unique<ListExpr>(pos, false);
    while (!is_op("]")) {
      list->items.push_back(parse_expression());
      if (!is_op(",")) break;
      ++pos_;
    }
    expect_op("]");
    return list;
  }

  ExprPtr parse_dict(SourcePos pos) {
    auto dict = std::make_unique<DictExpr>(pos);
    while (!is_op("}")) {
      ExprPtr key = parse_expression();
      expect_op(":");
      dict->entries.emplace_back(std::move(key), parse_expression());
      if (!is_op(",")) break;
      ++pos_;
    }
    expect_op("}");
    return dict;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".")) {
        const SourcePos pos = next().pos;
        const Token& attr = next();
        if (attr.kind == TokenKind::Name) {
          node = std::make_unique<AttributeExpr>(pos, std::move(node), attr.value);
        } else if (attr.kind == TokenKind::Integer) {
          node = std::make_unique<ItemExpr>(pos, std::move(node),
                                            std::make_unique<LiteralExpr>(attr.pos, Value::integer(std::stoll(attr.value))));
        } else {
          error(attr, "expected an attribute name after '.', got " + describe(attr));
        }
      } else if (is_op("[")) {
        const SourcePos pos = next().pos;
        node = parse_subscript(pos, std::move(node));
      } else if (is_op("(")) {
        const SourcePos pos = next().pos;
        auto call = std::make_unique<CallExpr>(pos, std::move(node));
        parse_call_args(call->args);
        node = std::move(call);
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(SourcePos pos, ExprPtr object) {
    ExprPtr parts[3];
    int colons = 0;
    while (!is_op("]")) {
      if (is_op(":")) {
        if (++colons > 2) error(peek(), "a slice takes at most start:stop:step");
        ++pos_;
        continue;
      }
      if (parts[colons]) error(peek(), "expected ':' or ']' in subscript, got " + describe(peek()));
      parts[colons] = parse_expression();
    }
    expect_op("]");
    if (colons == 0) {
      if (!parts[0]) error(peek(), "empty subscript []");
      return std::make_unique<ItemExpr>(pos, std::move(object), std::move(parts[0]));
    }
    auto slice = std::make_unique<SliceExpr>(pos, std::move(object));
    slice->start = std::move(parts[0]);
    slice->stop = std::move(parts[1]);
    slice->step = std::move(parts[2]);
    return slice;
  }

  // After '(' — positional then keyword arguments, up to and including ')'.
  void parse_call_args(Arguments& args) {
    while (!is_op(")")) {
      if (peek().kind == TokenKind::Name && is_op("=", 1)) {
        std::string key = next().value;
        ++pos_;
        args.keyword.emplace_back(std::move(key), parse_expression());
      } else {
        if (!args.keyword.empty()) error(peek(), "positional argument follows keyword argument");
        args.positional.push_back(parse_expression());
      }
      if (!is_op(",")) break;
      ++pos_;
    }
    expect_op(")");
  }

  ExprPtr parse_filter(ExprPtr operand) {
    const Token& name_token = peek();
    std::string name = expect_name("a filter name");
    while (is_op(".") && peek(1).kind == TokenKind::Name) {  // dotted filter names
      pos_ += 1;
      name += "." + next().value;
    }
    auto filter = std::make_unique<FilterExpr>(name_token.pos, std::move(operand), std::move(name));
    if (is_op("(")) {
      ++pos_;
      parse_call_args(filter->args);
    }
    return filter;
  }

  ExprPtr parse_filter_chain(ExprPtr node) {
    while (true) {
      if (is_op("|")) {
        ++pos_;
        node = parse_filter(std::move(node));
      } else if (is_name("is")) {
        ++pos_;
        const bool negated = is_name("not");
        if (negated) ++pos_;
        const Token& name_token = peek();
        std::string name;
        // `is none`, `is true` etc. lex as literals' names; accept the bare words.
        if (name_token.kind == TokenKind::Name) {
          name = next().value;
        } else if (is_op("==") || is_op("!=") || is_op("<") || is_op(">") || is_op("<=") || is_op(">=")) {
          name = next().value;
        } else {
          error(name_token, "expected a test name after 'is', got " + describe(name_token));
        }
        auto test = std::make_unique<TestExpr>(name_token.pos, std::move(node), name, negated);
        if (is_op("(")) {
          ++pos_;
          parse_call_args(test->args);
        } else if (starts_test_argument()) {
          test->args.positional.push_back(parse_postfix(parse_primary()));
        }
        node = std::move(test);
      } else {
        return node;
      }
    }
  }

  // Jinja2 lets a test take one argument without parentheses: `x is divisibleby 3`.
  bool starts_test_argument() const {
    const Token& t = peek();
    if (t.kind == TokenKind::String || t.kind == TokenKind::Integer || t.kind == TokenKind::Float) return true;
    if (t.kind == TokenKind::Name)
      return t.value != "else" && t.value != "or" && t.value != "and" && t.value != "if" && t.value != "is" && t.value != "in" &&
             t.value != "not";
    return t.kind == TokenKind::Operator && (t.value == "[" || t.value == "{");
  }

  const std::vector<Token>& tokens_;
  const std::string& name_;
  size_t pos_ = 0;
  int loop_depth_ = 0;
  std::vector<std::pair<std::string, SourcePos>> open_blocks_;
};

}  // namespace

Body parse_template(const std::vector<Token>& tokens, const std::string& template_name) {
  return Parser(tokens, template_name).parse_all();
}

}  // namespace hone::jinja
