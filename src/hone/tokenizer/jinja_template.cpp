#include "hone/tokenizer/jinja_template.h"

#include "hone/tokenizer/jinja_json.h"
#include "hone/tokenizer/jinja_parser.h"

namespace hone::jinja {

Template::Template(std::string_view source, std::string name, const LexOptions& options) : name_(std::move(name)) {
  body_ = std::make_shared<const Body>(parse_template(tokenize(source, options, name_), name_));
}

RenderOutput Template::render(const RenderEnvironment& environment) const {
  return evaluate_template(*body_, name_, environment);
}

std::string Template::render(const nlohmann::ordered_json& variables) const {
  HONE_CHECK(variables.is_object(), name_, ": template variables must be a JSON object, got ", variables.type_name());
  RenderEnvironment environment;
  for (const auto& [key, value] : variables.items()) environment.variables.emplace_back(key, from_json(value));
  return render(environment).text.str;
}

}  // namespace hone::jinja
