// Named chat templates for model folders whose tokenizer_config.json has none: chatml, llama3,
// llama2, mistral and alpaca, written as the Jinja their model families ship (or, for alpaca,
// the prompt format its dataset defined).
#pragma once

#include <string>
#include <vector>

namespace hone {

std::vector<std::string> builtin_chat_template_names();
// The template source; Error listing the known names when `name` is not one.
const std::string& builtin_chat_template(const std::string& name);

}  // namespace hone
