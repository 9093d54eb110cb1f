// The `hone export` verb: parses the shared flags and runs the one registered form that claims
// the command (see export_command.h).
#include "hone/cli/export_command.h"

#include <algorithm>
#include <filesystem>
#include <memory>

#include "hone/cli/verbs.h"
#include "hone/util/error.h"

namespace hone::cli {

std::vector<ExportForm>& export_forms() {
  static std::vector<ExportForm> forms;
  return forms;
}

namespace {

namespace fs = std::filesystem;

// An existing path that is `input` itself or lies inside the folder `input`.
bool is_within(const fs::path& out, const std::string& input) {
  std::error_code ec;
  if (input.empty() || !fs::exists(input, ec)) return false;
  if (fs::equivalent(out, input, ec)) return true;
  if (!fs::is_directory(input, ec)) return false;
  const fs::path folder = fs::canonical(input, ec), file = fs::weakly_canonical(out, ec);
  const auto [end, _] = std::mismatch(folder.begin(), folder.end(), file.begin(), file.end());
  return end == folder.end();
}

// `hone export --model bc --out bc/model.safetensors` must not destroy the model it reads, and
// an existing file is replaced only when asked.
void check_output(const ExportFlags& flags) {
  std::error_code ec;
  if (!fs::exists(flags.out, ec)) return;
  for (const std::string* input : {&flags.model, &flags.adapter})
    HONE_CHECK(!is_within(flags.out, *input), "export: --out ", flags.out, " is ", *input == flags.out ? "" : "inside ",
               "the input ", *input, "; choose an output outside the inputs (--overwrite does not apply to inputs)");
  HONE_CHECK(!fs::is_directory(flags.out, ec), "export: --out ", flags.out, " is a directory; name the file to write");
  HONE_CHECK(flags.overwrite, "export: --out ", flags.out, " already exists; pass --overwrite to replace it");
}

void add_export_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Write a model or an adapter in another tool's format (GGUF for llama.cpp)");
  auto flags = std::make_shared<ExportFlags>();
  cmd->add_option("--model", flags->model, "Base model folder (Hugging Face)")->required();
  cmd->add_option("--adapter", flags->adapter, "PEFT adapter folder: export the adapter rather than the model");
  cmd->add_option("--format", flags->format, "Output format")->capture_default_str();
  cmd->add_option("--out", flags->out, "Output file")->required();
  cmd->add_option("--outtype,--dtype", flags->outtype, "Storage type of the written tensors (f32, f16, bf16, ...)");
  cmd->add_flag("--overwrite", flags->overwrite, "Replace --out if it exists (never one of the inputs)");
  cmd->callback([flags] {
    check_output(*flags);
    std::vector<const ExportForm*> claiming;
    for (const ExportForm& form : export_forms())
      if (form.claims(*flags)) claiming.push_back(&form);
    if (claiming.size() == 1) return claiming.front()->run(*flags);
    std::string known;
    for (const ExportForm& form : export_forms()) known += "\n  " + form.description;
    HONE_CHECK(!claiming.empty(), "export: no export form matches --format ", flags->format,
               flags->adapter.empty() ? " without --adapter" : " with --adapter", "; this build can export:", known);
    HONE_FAIL("export: ", claiming.size(), " export forms match this command (a registration bug); forms:", known);
  });
}
}  // namespace

HONE_REGISTER_VERB(export, add_export_verb);

}  // namespace hone::cli
