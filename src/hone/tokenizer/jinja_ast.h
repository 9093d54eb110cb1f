// The parsed form of a Jinja template: expressions (literals, names, operators, attribute and
// item access, calls, filters, tests) and statements (text, output, if, for, set, macro, call,
// filter blocks, break/continue, and transformers' {% generation %} marker). Every node keeps
// its source position for error messages.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hone/tokenizer/jinja_error.h"
#include "hone/tokenizer/jinja_value.h"

namespace hone::jinja {

struct Expr;
struct Node;
using ExprPtr = std::unique_ptr<Expr>;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};

struct Expr {
  enum class Kind { Literal, Name, List, Dict, Unary, Binary, Conditional, Attribute, Item, Slice, Call, Filter, Test };
  Expr(Kind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~Expr() = default;
  Kind kind;
  SourcePos pos;
};

struct LiteralExpr : Expr {
  LiteralExpr(SourcePos p, Value v) : Expr(Kind::Literal, p), value(std::move(v)) {}
  Value value;
};

struct NameExpr : Expr {
  NameExpr(SourcePos p, std::string n) : Expr(Kind::Name, p), name(std::move(n)) {}
  std::string name;
};

struct ListExpr : Expr {
  ListExpr(SourcePos p, bool t) : Expr(Kind::List, p), tuple(t) {}
  std::vector<ExprPtr> items;
  bool tuple;
};

struct DictExpr : Expr {
  explicit DictExpr(SourcePos p) : Expr(Kind::Dict, p) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;
};

struct UnaryExpr : Expr {
  UnaryExpr(SourcePos p, std::string o, ExprPtr e) : Expr(Kind::Unary, p), op(std::move(o)), operand(std::move(e)) {}
  std::string op;  // "not", "-", "+"
  ExprPtr operand;
};

struct BinaryExpr : Expr {
  BinaryExpr(SourcePos p, std::string o, ExprPtr l, ExprPtr r)
      : Expr(Kind::Binary, p), op(std::move(o)), left(std::move(l)), right(std::move(r)) {}
  std::string op;  // and or + - * / // % ** ~ == != < > <= >= in "not in"
  ExprPtr left, right;
};

struct ConditionalExpr : Expr {
  explicit ConditionalExpr(SourcePos p) : Expr(Kind::Conditional, p) {}
  ExprPtr test, if_true, if_false;  // if_false may be null: undefined
};

struct AttributeExpr : Expr {
  AttributeExpr(SourcePos p, ExprPtr o, std::string n) : Expr(Kind::Attribute, p), object(std::move(o)), name(std::move(n)) {}
  ExprPtr object;
  std::string name;
};

struct ItemExpr : Expr {
  ItemExpr(SourcePos p, ExprPtr o, ExprPtr k) : Expr(Kind::Item, p), object(std::move(o)), key(std::move(k)) {}
  ExprPtr object, key;
};

struct SliceExpr : Expr {
  SliceExpr(SourcePos p, ExprPtr o) : Expr(Kind::Slice, p), object(std::move(o)) {}
  ExprPtr object, start, stop, step;  // each may be null
};

struct CallExpr : Expr {
  CallExpr(SourcePos p, ExprPtr c) : Expr(Kind::Call, p), callee(std::move(c)) {}
  ExprPtr callee;
  Arguments args;
};

struct FilterExpr : Expr {
  FilterExpr(SourcePos p, ExprPtr o, std::string n) : Expr(Kind::Filter, p), operand(std::move(o)), name(std::move(n)) {}
  ExprPtr operand;  // null inside {% filter %} blocks and `set x | filter` blocks: applied to the body
  std::string name;
  Arguments args;
};

struct TestExpr : Expr {
  TestExpr(SourcePos p, ExprPtr o, std::string n, bool neg)
      : Expr(Kind::Test, p), operand(std::move(o)), name(std::move(n)), negated(neg) {}
  ExprPtr operand;
  std::string name;
  bool negated;
  Arguments args;
};

struct Node {
  enum class Kind { Text, Output, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, Break, Continue, Generation };
  Node(Kind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~Node() = default;
  Kind kind;
  SourcePos pos;
};

struct TextNode : Node {
  TextNode(SourcePos p, std::string t) : Node(Kind::Text, p), text(std::move(t)) {}
  std::string text;
};

struct OutputNode : Node {
  OutputNode(SourcePos p, ExprPtr e) : Node(Kind::Output, p), expr(std::move(e)) {}
  ExprPtr expr;
};

struct IfNode : Node {
  explicit IfNode(SourcePos p) : Node(Kind::If, p) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, then each elif
  Body otherwise;
};

struct ForNode : Node {
  explicit ForNode(SourcePos p) : Node(Kind::For, p) {}
  std::vector<std::string> targets;  // one name, or several to unpack
  ExprPtr iterable, condition;       // condition: `for x in xs if cond`, may be null
  Body body, otherwise;
};

// `set a = ...`, `set a, b = ...`, or `set ns.attr = ...`.
struct SetNode : Node {
  explicit SetNode(SourcePos p) : Node(Kind::Set, p) {}
  std::vector<std::string> targets;
  std::string attribute;  // non-empty: targets[0] is a namespace and this its attribute
  ExprPtr value;
};

struct SetBlockNode : Node {
  explicit SetBlockNode(SourcePos p) : Node(Kind::SetBlock, p) {}
  std::string target, attribute;
  std::vector<ExprPtr> filters;  // FilterExprs with null operands
  Body body;
};

struct MacroNode : Node {
  explicit MacroNode(SourcePos p) : Node(Kind::Macro, p) {}
  std::string name;
  std::vector<std::pair<std::string, ExprPtr>> params;  // default may be null
  Body body;
};

struct CallBlockNode : Node {
  explicit CallBlockNode(SourcePos p) : Node(Kind::CallBlock, p) {}
  std::shared_ptr<MacroNode> caller;  // the block, callable as caller(...)
  ExprPtr call;
};

struct FilterBlockNode : Node {
  explicit FilterBlockNode(SourcePos p) : Node(Kind::FilterBlock, p) {}
  std::vector<ExprPtr> filters;
  Body body;
};

struct GenerationNode : Node {
  explicit GenerationNode(SourcePos p) : Node(Kind::Generation, p) {}
  Body body;
};

struct SimpleNode : Node {  // break, continue
  using Node::Node;
};

}  // namespace hone::jinja
