#include "hone/tokenizer/jinja_evaluator.h"

#include <cmath>
#include <memory>
#include <unordered_map>

#include "hone/tokenizer/jinja_access.h"
#include "hone/tokenizer/jinja_filters.h"
#include "hone/tokenizer/jinja_globals.h"
#include "hone/tokenizer/jinja_strings.h"
#include "hone/tokenizer/jinja_tests.h"

namespace hone::jinja {

namespace {

struct Scope {
  explicit Scope(std::shared_ptr<Scope> p = nullptr) : parent(std::move(p)) {}
  std::unordered_map<std::string, Value> variables;
  std::shared_ptr<Scope> parent;

  const Value* lookup(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent.get()) {
      auto it = s->variables.find(name);
      if (it != s->variables.end()) return &it->second;
    }
    return nullptr;
  }
};
using ScopePtr = std::shared_ptr<Scope>;

enum class Flow { Normal, Break, Continue };

struct Output {
  Text text;
  std::vector<MessageRegion> regions;
  std::vector<std::pair<size_t, size_t>> generation;
};

constexpr int kMaxCallDepth = 256;

class Evaluator {
 public:
  Evaluator(const std::string& name, const RenderEnvironment& environment) : name_(name), environment_(environment) {}

  RenderOutput run(const Body& body) {
    auto globals = std::make_shared<Scope>();
    for (auto& [key, value] : builtin_globals(environment_.now)) globals->variables[key] = value;
    for (const auto& [key, value] : environment_.variables) globals->variables[key] = value;
    auto top = std::make_shared<Scope>(globals);
    Output out;
    render(body, top, out);
    return {std::move(out.text), std::move(out.regions), std::move(out.generation)};
  }

 private:
  [[noreturn]] void error_at(SourcePos pos, const std::string& message) const {
    throw TemplateError(located_message(name_, pos, message), true);
  }

  // ---- statements ----

  Flow render(const Body& body, const ScopePtr& scope, Output& out) {
    for (const NodePtr& node : body) {
      const Flow flow = render_node(*node, scope, out);
      if (flow != Flow::Normal) return flow;
    }
    return Flow::Normal;
  }

  Flow render_node(const Node& node, const ScopePtr& scope, Output& out) {
    switch (node.kind) {
      case Node::Kind::Text: out.text.append(static_cast<const TextNode&>(node).text); return Flow::Normal;
      case Node::Kind::Output: out.text.append(to_text(eval(*static_cast<const OutputNode&>(node).expr, scope))); return Flow::Normal;
      case Node::Kind::If: {
        const auto& n = static_cast<const IfNode&>(node);
        for (const auto& [test, body] : n.branches)
          if (truthy(eval(*test, scope))) return render(body, scope, out);
        return render(n.otherwise, scope, out);
      }
      case Node::Kind::For: render_for(static_cast<const ForNode&>(node), scope, out); return Flow::Normal;
      case Node::Kind::Set: render_set(static_cast<const SetNode&>(node), scope); return Flow::Normal;
      case Node::Kind::SetBlock: {
        const auto& n = static_cast<const SetBlockNode&>(node);
        Output inner;
        render(n.body, scope, inner);
        Value value = apply_filters(n.filters, Value::string(std::move(inner.text)), scope);
        assign(n.pos, n.target, n.attribute, std::move(value), scope);
        return Flow::Normal;
      }
      case Node::Kind::Macro: {
        const auto& n = static_cast<const MacroNode&>(node);
        scope->variables[n.name] = make_macro(n, scope);
        return Flow::Normal;
      }
      case Node::Kind::CallBlock: {
        const auto& n = static_cast<const CallBlockNode&>(node);
        const auto& call = static_cast<const CallExpr&>(*n.call);
        Value callee = eval(*call.callee, scope);
        CallArgs args = eval_args(call.args, scope);
        args.keyword.emplace_back("caller", make_macro(*n.caller, scope));
        out.text.append(to_text(invoke(callee, args, call.pos)));
        return Flow::Normal;
      }
      case Node::Kind::FilterBlock: {
        const auto& n = static_cast<const FilterBlockNode&>(node);
        Output inner;
        render(n.body, scope, inner);
        out.text.append(to_text(apply_filters(n.filters, Value::string(std::move(inner.text)), scope)));
        return Flow::Normal;
      }
      case Node::Kind::Break: return Flow::Break;
      case Node::Kind::Continue: return Flow::Continue;
      case Node::Kind::Generation: {
        const size_t begin = out.text.str.size();
        const Flow flow = render(static_cast<const GenerationNode&>(node).body, scope, out);
        out.generation.emplace_back(begin, out.text.str.size());
        return flow;
      }
    }
    return Flow::Normal;
  }

  std::vector<Value> loop_items(const Value& iterable, SourcePos pos) {
    if (iterable.is_list()) return iterable.items();
    if (iterable.is_undefined()) return {};
    if (iterable.is_dict()) return apply_filter("list", iterable, {}).items();
    if (iterable.is_string()) return apply_filter("list", iterable, {}).items();
    error_at(pos, "'" + type_name(iterable) + "' object is not iterable");
  }

  void bind_targets(const std::vector<std::string>& targets, const Value& item, Scope& scope, SourcePos pos) {
    if (targets.size() == 1) {
      scope.variables[targets[0]] = item;
      return;
    }
    if (!item.is_list()) error_at(pos, "cannot unpack a " + type_name(item) + " into " + std::to_string(targets.size()) + " loop variables");
    if (item.items().size() != targets.size())
      error_at(pos, "expected " + std::to_string(targets.size()) + " values to unpack, got " + std::to_string(item.items().size()));
    for (size_t i = 0; i < targets.size(); ++i) scope.variables[targets[i]] = item.items()[i];
  }

  void render_for(const ForNode& node, const ScopePtr& scope, Output& out) {
    const std::vector<Value> all = loop_items(eval(*node.iterable, scope), node.iterable->pos);
    auto loop_scope = std::make_shared<Scope>(scope);
    std::vector<Value> items;
    if (node.condition) {
      for (const Value& item : all) {
        bind_targets(node.targets, item, *loop_scope, node.pos);
        if (truthy(eval(*node.condition, loop_scope))) items.push_back(item);
      }
    } else {
      items = all;
    }
    if (items.empty()) {
      render(node.otherwise, loop_scope, out);
      return;
    }
    ++loop_depth_;
    const int64_t n = int64_t(items.size());
    for (int64_t i = 0; i < n; ++i) {
      const Value& item = items[size_t(i)];
      Value loop = Value::dict({{"index", Value::integer(i + 1)},
                                {"index0", Value::integer(i)},
                                {"revindex", Value::integer(n - i)},
                                {"revindex0", Value::integer(n - i - 1)},
                                {"first", Value::boolean(i == 0)},
                                {"last", Value::boolean(i == n - 1)},
                                {"length", Value::integer(n)},
                                {"depth", Value::integer(1)},
                                {"depth0", Value::integer(0)},
                                {"previtem", i > 0 ? items[size_t(i - 1)] : Value::undefined("there is no previous item")},
                                {"nextitem", i + 1 < n ? items[size_t(i + 1)] : Value::undefined("there is no next item")}});
      loop.dict_data().set("cycle", Value::callable("cycle", [i](const CallArgs& args) {
        if (args.positional.empty()) fail("loop.cycle() needs at least one argument");
        return args.positional[size_t(i) % args.positional.size()];
      }));
      loop_scope->variables["loop"] = loop;
      bind_targets(node.targets, item, *loop_scope, node.pos);
      const size_t begin = out.text.str.size();
      const Flow flow = render(node.body, loop_scope, out);
      if (item.is_dict()) {
        auto message = environment_.message_objects.find(&item.dict_data());
        if (message != environment_.message_objects.end() && out.text.str.size() > begin)
          out.regions.push_back({begin, out.text.str.size(), message->second, loop_depth_});
      }
      if (flow == Flow::Break) break;
    }
    --loop_depth_;
  }

  void assign(SourcePos pos, const std::string& target, const std::string& attribute, Value value, const ScopePtr& scope) {
    if (attribute.empty()) {
      scope->variables[target] = std::move(value);
      return;
    }
    const Value* object = scope->lookup(target);
    if (!object || !object->is_dict() || !object->dict_data().is_namespace)
      error_at(pos, "cannot assign attribute '" + attribute + "' on '" + target + "': only namespace() objects take attribute assignment");
    object->dict_data().set(attribute, std::move(value));
  }

  void render_set(const SetNode& node, const ScopePtr& scope) {
    Value value = eval(*node.value, scope);
    if (node.targets.size() == 1) {
      assign(node.pos, node.targets[0], node.attribute, std::move(value), scope);
      return;
    }
    bind_targets(node.targets, value, *scope, node.pos);
  }

  // ---- macros and calls ----

  // The macro refers to its defining scope weakly (the scope usually holds the macro: a strong
  // reference would be a cycle); the evaluator keeps that scope alive until rendering ends.
  Value make_macro(const MacroNode& macro, const ScopePtr& defining_scope) {
    retained_scopes_.push_back(defining_scope);
    std::weak_ptr<Scope> weak_scope = defining_scope;
    return Value::callable(macro.name, [this, &macro, weak_scope](const CallArgs& args) {
      if (call_depth_ >= kMaxCallDepth) fail("macro '", macro.name, "' nested more than ", kMaxCallDepth, " calls deep");
      auto scope = std::make_shared<Scope>(weak_scope.lock());
      std::vector<Value> varargs;
      for (size_t i = 0; i < args.positional.size(); ++i) {
        if (i < macro.params.size()) scope->variables[macro.params[i].first] = args.positional[i];
        else varargs.push_back(args.positional[i]);
      }
      Value kwargs = Value::dict();
      for (const auto& [key, value] : args.keyword) {
        bool is_param = false;
        for (size_t i = 0; i < macro.params.size(); ++i) {
          if (macro.params[i].first != key) continue;
          if (i < args.positional.size()) fail("macro '", macro.name, "' got multiple values for argument '", key, "'");
          scope->variables[key] = value;
          is_param = true;
        }
        if (key == "caller" && !is_param) scope->variables["caller"] = value;
        else if (!is_param) kwargs.dict_data().set(key, value);
      }
      for (const auto& [param, fallback] : macro.params) {
        if (scope->variables.count(param)) continue;
        scope->variables[param] = fallback ? eval(*fallback, scope) : Value::undefined("macro parameter '" + param + "' was not given");
      }
      scope->variables["varargs"] = Value::list(std::move(varargs));
      scope->variables["kwargs"] = kwargs;
      ++call_depth_;
      Output out;
      const int saved_loop_depth = loop_depth_;
      loop_depth_ = 0;
      try {
        render(macro.body, scope, out);
      } catch (...) {
        --call_depth_;
        loop_depth_ = saved_loop_depth;
        throw;
      }
      --call_depth_;
      loop_depth_ = saved_loop_depth;
      return Value::string(std::move(out.text));
    });
  }

  Value invoke(const Value& callee, const CallArgs& args, SourcePos pos) {
    if (callee.is_undefined()) {
      try {
        undefined_error(callee);
      } catch (const TemplateError& e) {
        error_at(pos, e.what());
      }
    }
    if (!callee.is_callable()) error_at(pos, "'" + type_name(callee) + "' object is not callable");
    return callee.callable_data().call(args);
  }

  CallArgs eval_args(const Arguments& arguments, const ScopePtr& scope) {
    CallArgs args;
    for (const ExprPtr& e : arguments.positional) args.positional.push_back(eval(*e, scope));
    for (const auto& [key, e] : arguments.keyword) args.keyword.emplace_back(key, eval(*e, scope));
    return args;
  }

  Value apply_filters(const std::vector<ExprPtr>& filters, Value value, const ScopePtr& scope) {
    for (const ExprPtr& f : filters) {
      const auto& filter = static_cast<const FilterExpr&>(*f);
      value = located(filter.pos, [&] { return apply_filter(filter.name, value, eval_args(filter.args, scope)); });
    }
    return value;
  }

  // ---- expressions ----

  template <class Fn>
  Value located(SourcePos pos, Fn&& fn) {
    try {
      return fn();
    } catch (const TemplateError& e) {
      if (e.located()) throw;
      error_at(pos, e.what());
    }
  }

  Value eval(const Expr& expr, const ScopePtr& scope) {
    return located(expr.pos, [&] { return eval_unlocated(expr, scope); });
  }

  Value eval_unlocated(const Expr& expr, const ScopePtr& scope) {
    switch (expr.kind) {
      case Expr::Kind::Literal: return static_cast<const LiteralExpr&>(expr).value;
      case Expr::Kind::Name: {
        const auto& name = static_cast<const NameExpr&>(expr).name;
        const Value* v = scope->lookup(name);
        return v ? *v : Value::undefined("'" + name + "' is undefined");
      }
      case Expr::Kind::List: {
        const auto& e = static_cast<const ListExpr&>(expr);
        std::vector<Value> items;
        for (const ExprPtr& item : e.items) items.push_back(eval(*item, scope));
        return Value::list(std::move(items), e.tuple);
      }
      case Expr::Kind::Dict: {
        Value dict = Value::dict();
        for (const auto& [key_expr, value_expr] : static_cast<const DictExpr&>(expr).entries) {
          const Value key = eval(*key_expr, scope);
          if (!key.is_string()) fail("dict keys must be strings here, got ", type_name(key));
          dict.dict_data().set(key.str(), eval(*value_expr, scope));
        }
        return dict;
      }
      case Expr::Kind::Unary: return eval_unary(static_cast<const UnaryExpr&>(expr), scope);
      case Expr::Kind::Binary: return eval_binary(static_cast<const BinaryExpr&>(expr), scope);
      case Expr::Kind::Conditional: {
        const auto& e = static_cast<const ConditionalExpr&>(expr);
        if (truthy(eval(*e.test, scope))) return eval(*e.if_true, scope);
        return e.if_false ? eval(*e.if_false, scope) : Value::undefined("the inline if's condition was false and it has no else");
      }
      case Expr::Kind::Attribute: {
        const auto& e = static_cast<const AttributeExpr&>(expr);
        return get_attribute(eval(*e.object, scope), e.name);
      }
      case Expr::Kind::Item: {
        const auto& e = static_cast<const ItemExpr&>(expr);
        const Value object = eval(*e.object, scope);
        return get_item(object, eval(*e.key, scope));
      }
      case Expr::Kind::Slice: {
        const auto& e = static_cast<const SliceExpr&>(expr);
        const Value object = eval(*e.object, scope);
        auto part = [&](const ExprPtr& p) { return p ? eval(*p, scope) : Value::none(); };
        return slice_value(object, part(e.start), part(e.stop), part(e.step));
      }
      case Expr::Kind::Call: {
        const auto& e = static_cast<const CallExpr&>(expr);
        const Value callee = eval(*e.callee, scope);
        return invoke(callee, eval_args(e.args, scope), e.pos);
      }
      case Expr::Kind::Filter: {
        const auto& e = static_cast<const FilterExpr&>(expr);
        const Value operand = eval(*e.operand, scope);
        return apply_filter(e.name, operand, eval_args(e.args, scope));
      }
      case Expr::Kind::Test: {
        const auto& e = static_cast<const TestExpr&>(expr);
        const Value operand = eval(*e.operand, scope);
        if (!has_test(e.name)) fail("no test named '", e.name, "'");
        return Value::boolean(apply_test(e.name, operand, eval_args(e.args, scope)) != e.negated);
      }
    }
    fail("unknown expression");
  }

  Value eval_unary(const UnaryExpr& e, const ScopePtr& scope) {
    const Value v = eval(*e.operand, scope);
    if (e.op == "not") return Value::boolean(!truthy(v));
    if (v.is_undefined()) undefined_error(v);
    if (!v.is_number()) fail("bad operand type for unary ", e.op, ": '", type_name(v), "'");
    if (e.op == "+") return v.is_float() ? v : Value::integer(v.as_int());
    return v.is_float() ? Value::floating(-v.as_double()) : Value::integer(-v.as_int());
  }

  Value eval_binary(const BinaryExpr& e, const ScopePtr& scope) {
    if (e.op == "and") {
      Value left = eval(*e.left, scope);
      return truthy(left) ? eval(*e.right, scope) : left;
    }
    if (e.op == "or") {
      Value left = eval(*e.left, scope);
      return truthy(left) ? left : eval(*e.right, scope);
    }
    const Value left = eval(*e.left, scope);
    const Value right = eval(*e.right, scope);
    const std::string& op = e.op;
    if (op == "==") return Value::boolean(equals(left, right));
    if (op == "!=") return Value::boolean(!equals(left, right));
    if (op == "in") return Value::boolean(contains_value(right, left));
    if (op == "not in") return Value::boolean(!contains_value(right, left));
    if (op == "~") {
      Text out = to_text(left);
      out.append(to_text(right));
      return Value::string(std::move(out));
    }
    if (left.is_undefined()) undefined_error(left);
    if (right.is_undefined()) undefined_error(right);
    if (op == "<") return Value::boolean(compare(left, right) < 0);
    if (op == ">") return Value::boolean(compare(left, right) > 0);
    if (op == "<=") return Value::boolean(compare(left, right) <= 0);
    if (op == ">=") return Value::boolean(compare(left, right) >= 0);
    return arithmetic(op, left, right);
  }

  static Value repeat(const Value& sequence, int64_t times) {
    if (sequence.is_string()) {
      Text out;
      for (int64_t i = 0; i < times; ++i) out.append(sequence.text());
      return Value::string(std::move(out));
    }
    std::vector<Value> items;
    for (int64_t i = 0; i < times; ++i) items.insert(items.end(), sequence.items().begin(), sequence.items().end());
    return Value::list(std::move(items), sequence.list_data().is_tuple);
  }

  static Value arithmetic(const std::string& op, const Value& left, const Value& right) {
    auto unsupported = [&]() -> Value {
      fail("unsupported operand type(s) for ", op, ": '", type_name(left), "' and '", type_name(right), "'");
    };
    if (op == "+") {
      if (left.is_string() && right.is_string()) {
        Text out = left.text();
        out.append(right.text());
        return Value::string(std::move(out));
      }
      if (left.is_list() && right.is_list()) {
        std::vector<Value> items = left.items();
        items.insert(items.end(), right.items().begin(), right.items().end());
        return Value::list(std::move(items), left.list_data().is_tuple);
      }
    }
    if (op == "*") {
      if ((left.is_string() || left.is_list()) && (right.is_int() || right.is_bool())) return repeat(left, right.as_int());
      if ((right.is_string() || right.is_list()) && (left.is_int() || left.is_bool())) return repeat(right, left.as_int());
    }
    if (op == "%" && left.is_string()) {
      CallArgs args;
      if (right.is_list() && right.list_data().is_tuple) args.positional = right.items();
      else args.positional.push_back(right);
      return apply_filter("format", left, args);
    }
    if (!left.is_number() || !right.is_number()) return unsupported();
    const bool floating = left.is_float() || right.is_float();
    if (op == "/") {
      if (right.as_double() == 0) fail("division by zero");
      return Value::floating(left.as_double() / right.as_double());
    }
    if (floating) {
      const double a = left.as_double(), b = right.as_double();
      if (op == "+") return Value::floating(a + b);
      if (op == "-") return Value::floating(a - b);
      if (op == "*") return Value::floating(a * b);
      if (op == "**") return Value::floating(std::pow(a, b));
      if (b == 0) fail(op == "//" ? "float floor division by zero" : "float modulo");
      if (op == "//") return Value::floating(std::floor(a / b));
      if (op == "%") return Value::floating(a - b * std::floor(a / b));
      return unsupported();
    }
    const int64_t a = left.as_int(), b = right.as_int();
    if (op == "+") return Value::integer(a + b);
    if (op == "-") return Value::integer(a - b);
    if (op == "*") return Value::integer(a * b);
    if (op == "**") {
      if (b < 0) return Value::floating(std::pow(double(a), double(b)));
      int64_t result = 1;
      for (int64_t i = 0; i < b; ++i) result *= a;
      return Value::integer(result);
    }
    if (b == 0) fail("integer division or modulo by zero");
    int64_t quotient = a / b, remainder = a % b;
    if (remainder != 0 && ((remainder < 0) != (b < 0))) {  // Python floors toward negative infinity
      --quotient;
      remainder += b;
    }
    if (op == "//") return Value::integer(quotient);
    if (op == "%") return Value::integer(remainder);
    return unsupported();
  }

  const std::string& name_;
  const RenderEnvironment& environment_;
  int loop_depth_ = 0;
  int call_depth_ = 0;
  std::vector<ScopePtr> retained_scopes_;
};

}  // namespace

RenderOutput evaluate_template(const Body& body, const std::string& template_name, const RenderEnvironment& environment) {
  return Evaluator(template_name, environment).run(body);
}

}  // namespace hone::jinja
