// `hone inspect`: what a model file holds (Hugging Face folder or GGUF file), without loading
// its weights.
#include <iostream>

#include "hone/cli/verbs.h"
#include "hone/model/model_inspection.h"

namespace hone::cli {

namespace {

void add_inspect_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Show a model's architecture, parameter count, dtypes, config and tensors");
  cmd->footer(
      "Examples:\n"
      "  hone inspect models/SmolLM2-135M\n"
      "  hone inspect model.gguf --json");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("path", *path, "Hugging Face model folder or GGUF file")->required();
  cmd->add_flag("--json", *json, "Print one JSON object");
  cmd->callback([path, json] {
    const auto inspection = inspect_model(*path);
    if (*json) std::cout << inspection.dump() << "\n";
    else std::cout << format_inspection(inspection);
  });
}

}  // namespace

HONE_REGISTER_VERB(inspect, add_inspect_verb);

}  // namespace hone::cli
