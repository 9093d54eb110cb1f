#include "hone/tools/merge_adapter.h"

#include <filesystem>

#include "hone/model/hf_model.h"
#include "hone/peft/registry.h"
#include "hone/util/atomic_file.h"
#include "hone/util/error.h"

namespace hone {

namespace fs = std::filesystem;

const std::vector<std::string>& model_side_files() {
  static const std::vector<std::string> files = {
      "tokenizer.json",     "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
      "vocab.json",         "merges.txt",            "added_tokens.json",       "chat_template.jinja",
      "chat_template.json", "generation_config.json"};
  return files;
}

namespace {
bool same_folder(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}
}  // namespace

MergeAdapterReport merge_adapter(const MergeAdapterOptions& options) {
  HONE_CHECK(!options.out_dir.empty(), "merge: --out is required");
  HONE_CHECK(!same_folder(options.out_dir, options.model_dir) && !same_folder(options.out_dir, options.adapter_dir),
             "merge: --out ", options.out_dir, " is an input folder; write the merged model somewhere else");
  std::error_code ec;
  HONE_CHECK(options.overwrite || !fs::exists(options.out_dir, ec) || fs::is_empty(options.out_dir, ec), "merge: ",
             options.out_dir, " already exists and is not empty (pass --overwrite to replace it)");

  LoadReport load_report;
  auto model = load_hf_model(options.model_dir, {}, &load_report);
  const std::unique_ptr<Adapter> adapter = load_adapter(*model, options.adapter_dir);
  MergeAdapterReport report;
  report.merged_modules = adapter->module_count();
  report.dtype = options.dtype.value_or(dtype_from_name(load_report.stored_dtype));
  HONE_CHECK(report.dtype == DType::F32 || report.dtype == DType::BF16 || report.dtype == DType::F16,
             "merge: --dtype must be f32, bf16 or f16, not ", dtype_name(report.dtype));
  adapter->merge_and_unload();

  write_directory_atomically(options.out_dir, [&](const std::string& tmp) {
    save_hf_model(*model, tmp, report.dtype);
    for (const std::string& name : model_side_files()) {
      const fs::path from = fs::path(options.model_dir) / name;
      if (!fs::is_regular_file(from, ec)) continue;
      fs::copy_file(from, fs::path(tmp) / name, fs::copy_options::overwrite_existing, ec);
      HONE_CHECK(!ec, "merge: cannot copy ", from.string(), ": ", ec.message());
      report.copied_files.push_back(name);
    }
  });
  return report;
}

}  // namespace hone
