// `hone export --adapter A --model M --format gguf --out F`: a PEFT LoRA adapter as llama.cpp's
// GGUF LoRA file (the adapter form of the export verb, see export_command.h).
#include <iostream>

#include "hone/cli/export_command.h"
#include "hone/tools/export_adapter_gguf.h"

namespace hone::cli {

namespace {
void run_export_adapter(const ExportFlags& flags) {
  ExportAdapterOptions options;
  options.model_dir = flags.model;
  options.adapter_dir = flags.adapter;
  options.out_path = flags.out;
  if (!flags.outtype.empty()) options.dtype = dtype_from_name(flags.outtype);
  const ExportAdapterReport report = export_adapter_gguf(options);
  std::cout << "wrote " << flags.out << ": " << report.tensor_pairs << " LoRA tensor pairs, architecture "
            << report.architecture << ", adapter.lora.alpha " << report.alpha << "\n";
}
}  // namespace

HONE_REGISTER_EXPORT_FORM(lora_gguf, (ExportForm{
    "--adapter A --model M --format gguf: a LoRA adapter as llama.cpp's GGUF LoRA (--outtype f32|f16|bf16)",
    [](const ExportFlags& f) { return !f.adapter.empty() && f.format == "gguf"; }, run_export_adapter}));

}  // namespace hone::cli
