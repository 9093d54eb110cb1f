// `hone merge --model M --adapter A --out DIR [--dtype f32|bf16|f16]`: folds a PEFT LoRA adapter
// into its base model and writes a Hugging Face folder that loads without the adapter.
#include <iostream>
#include <memory>

#include "hone/cli/verbs.h"
#include "hone/tools/merge_adapter.h"

namespace hone::cli {

namespace {
void add_merge_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("merge", "Merge a LoRA adapter into its base model and save a Hugging Face folder");
  auto options = std::make_shared<MergeAdapterOptions>();
  auto dtype = std::make_shared<std::string>();
  cmd->add_option("--model", options->model_dir, "Base model folder (Hugging Face)")->required();
  cmd->add_option("--adapter", options->adapter_dir, "PEFT adapter folder")->required();
  cmd->add_option("--out", options->out_dir, "Folder to write the merged model into")->required();
  cmd->add_option("--dtype", *dtype, "Weight storage: f32, bf16 or f16 (default: the base model's)")
      ->check(CLI::IsMember({"f32", "bf16", "f16"}));
  cmd->add_flag("--overwrite", options->overwrite, "Replace --out if it already holds files");
  cmd->callback([options, dtype] {
    if (!dtype->empty()) options->dtype = dtype_from_name(*dtype);
    const MergeAdapterReport report = merge_adapter(*options);
    std::cout << "merged " << report.merged_modules << " LoRA modules into " << options->out_dir << " ("
              << dtype_name(report.dtype) << " weights";
    for (const std::string& f : report.copied_files) std::cout << ", " << f;
    std::cout << ")\n";
  });
}
}  // namespace

HONE_REGISTER_VERB(merge, add_merge_verb);

}  // namespace hone::cli
