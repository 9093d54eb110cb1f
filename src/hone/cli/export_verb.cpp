// `hone export --model M --format gguf --dtype f32|f16|bf16|q8_0 --out F`: a whole model (Hugging
// Face folder or GGUF file) as a GGUF file llama.cpp loads, with the folder's tokenizer in its
// metadata (the model form of the export verb, see export_command.h).
#include <filesystem>
#include <iostream>

#include "hone/cli/export_command.h"
#include "hone/model/gguf_model.h"
#include "hone/model/gguf_tokenizer_metadata.h"
#include "hone/model/load_model.h"

namespace hone::cli {

namespace {

void run_export_model(const ExportFlags& flags) {
  GgufExportOptions options;
  options.dtype = dtype_from_name(flags.outtype.empty() ? "f32" : flags.outtype);
  HONE_CHECK(options.dtype == DType::F32 || options.dtype == DType::F16 || options.dtype == DType::BF16 ||
                 options.dtype == DType::Q8_0,
             "export: --dtype must be f32, f16, bf16 or q8_0, got '", flags.outtype, "'");
  const std::unique_ptr<DecoderModel> model = load_model(flags.model);
  options.name = std::filesystem::path(flags.model).filename().string();
  const bool has_tokenizer = add_gguf_tokenizer_metadata(options.extra, flags.model, model->config().vocab_size);
  save_gguf_model(*model, flags.out, options);
  std::cout << "wrote " << flags.out << ": " << model->config().model_type << ", " << model->config().parameter_count()
            << " parameters, " << dtype_name(options.dtype)
            << (has_tokenizer ? ", tokenizer " + options.extra.get_string("tokenizer.ggml.model")
                              : std::string(", no tokenizer (the model folder has no tokenizer.json)"))
            << "\n";
}

}  // namespace

HONE_REGISTER_EXPORT_FORM(model_gguf, (ExportForm{
    "--model M --format gguf [--dtype f32|f16|bf16|q8_0]: a whole model as a llama.cpp GGUF file",
    [](const ExportFlags& f) { return f.adapter.empty() && f.format == "gguf"; }, run_export_model}));

}  // namespace hone::cli
