// Errors from parsing or rendering a Jinja template. Helpers deep inside filters throw without a
// position; the evaluator catches them at the expression being evaluated and adds the template
// name, line and column, so every message says where in the template it went wrong.
#pragma once

#include <string>

#include "hone/util/error.h"

namespace hone::jinja {

struct SourcePos {
  int line = 1, column = 1;
};

class TemplateError : public Error {
 public:
  TemplateError(const std::string& message, bool located) : Error(message), located_(located) {}
  bool located() const { return located_; }

 private:
  bool located_;
};

// Throws an unlocated TemplateError; the evaluator adds the position.
template <class... Parts>
[[noreturn]] void fail(Parts&&... parts) {
  throw TemplateError(cat(std::forward<Parts>(parts)...), false);
}

inline std::string located_message(const std::string& template_name, SourcePos pos, const std::string& message) {
  return cat(template_name, ":", pos.line, ":", pos.column, ": ", message);
}

}  // namespace hone::jinja
