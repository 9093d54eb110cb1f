// `hone inspect`: what a model file holds (Hugging Face folder or GGUF file), without loading
// its weights.
#include <filesystem>
#include <iostream>

#include "hone/cli/verbs.h"
#include "hone/io/gguf_file.h"
#include "hone/model/load_model.h"
#include "hone/model/model_inspection.h"

namespace hone::cli {

namespace {

// An adapter given where a model is expected used to fail on a missing config.json or GGUF
// metadata key; say what it is instead.
void refuse_adapters(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    HONE_CHECK(!fs::exists(fs::path(path) / "adapter_config.json", ec) || fs::exists(fs::path(path) / "config.json", ec),
               path, ": a PEFT adapter folder (adapter_config.json), not a model: inspect its base model, and use the ",
               "adapter with --adapter in eval, generate, merge or export");
    return;
  }
  if (detect_model_format(path) != ModelFormat::kGguf) return;
  HONE_CHECK(GgufFile::open(path).metadata().get_string_or("general.type", "model") != "adapter", path,
             ": a LoRA adapter GGUF (general.type adapter), not a model: llama.cpp applies it with --lora");
}

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
    refuse_adapters(*path);
    const auto inspection = inspect_model(*path);
    if (*json) std::cout << inspection.dump() << "\n";
    else std::cout << format_inspection(inspection);
  });
}

}  // namespace

HONE_REGISTER_VERB(inspect, add_inspect_verb);

}  // namespace hone::cli
