// The front door of the Jinja engine: parse a template once, render it many times. Rendering
// takes variables as JSON (or template values) and gives back the text, plus — for chat
// templates — which output bytes came from which message.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "hone/tokenizer/jinja_evaluator.h"
#include "hone/tokenizer/jinja_lexer.h"

namespace hone::jinja {

class Template {
 public:
  // Parses `source`; syntax errors name `name`, the line and the column.
  explicit Template(std::string_view source, std::string name = "template", const LexOptions& options = {});

  RenderOutput render(const RenderEnvironment& environment) const;
  // Convenience: variables from a JSON object, text only.
  std::string render(const nlohmann::ordered_json& variables) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::shared_ptr<const Body> body_;
};

}  // namespace hone::jinja
