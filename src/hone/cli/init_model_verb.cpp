// `hone init-model --config config.json --out DIR [--tokenizer PATH] [--seed S]`: a randomly
// initialised model (Hugging Face's init: normal(0, initializer_range) weights, unit norms) as
// a model folder, the starting point for pretraining a small model from scratch.
#include <filesystem>
#include <iostream>

#include "hone/cli/verbs.h"
#include "hone/io/hf_config.h"
#include "hone/model/hf_model.h"
#include "hone/util/atomic_file.h"

namespace hone::cli {

namespace {

struct InitArgs {
  std::string config, out, tokenizer;
  uint64_t seed = 0;
  double std = 0.02;
  bool overwrite = false;
};

void run_init(const InitArgs& a) {
  namespace fs = std::filesystem;
  // A model folder is often the product of hours of training: never replace one by accident.
  HONE_CHECK(a.overwrite || !fs::exists(a.out) || (fs::is_directory(a.out) && fs::is_empty(a.out)), a.out,
             ": already exists and is not empty; pass --overwrite to replace it");
  const ModelConfig hf = load_model_config(a.config);
  DecoderConfig config = validated_decoder_config(hf, a.config);
  DecoderModel model(config);
  model.init_random(a.seed, a.std);
  write_directory_atomically(a.out, [&](const std::string& tmp) {
    save_hf_model(model, tmp);
    if (!a.tokenizer.empty()) {
      const fs::path src = fs::is_directory(a.tokenizer) ? fs::path(a.tokenizer) : fs::path(a.tokenizer).parent_path();
      for (const char* f : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"})
        if (fs::exists(src / f)) fs::copy_file(src / f, fs::path(tmp) / f);
      HONE_CHECK(fs::exists(fs::path(tmp) / "tokenizer.json"), a.tokenizer, ": no tokenizer.json there");
    }
  });
  std::cout << a.out << ": " << config.model_type << " with " << config.parameter_count() << " parameters, seed "
            << a.seed << "\n";
}

void add_init_model_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("init-model", "Create a randomly initialised model folder from a config.json");
  auto a = std::make_shared<InitArgs>();
  cmd->add_option("--config", a->config, "config.json (llama, mistral or qwen2) or a folder holding one")->required();
  cmd->add_option("--out", a->out, "Model folder to write")->required();
  cmd->add_option("--tokenizer", a->tokenizer, "tokenizer.json (or its folder) to copy into the model folder");
  cmd->add_option("--seed", a->seed, "Seed of the initialisation")->capture_default_str();
  cmd->add_option("--std", a->std, "Standard deviation of the weights (initializer_range)")->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "Replace --out if it already holds files");
  cmd->callback([a] { run_init(*a); });
}

}  // namespace

HONE_REGISTER_VERB(init_model, add_init_model_verb);

}  // namespace hone::cli
