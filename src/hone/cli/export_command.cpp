// The `hone export` verb: parses the shared flags and runs the one registered form that claims
// the command (see export_command.h).
#include "hone/cli/export_command.h"

#include <memory>

#include "hone/cli/verbs.h"
#include "hone/util/error.h"

namespace hone::cli {

std::vector<ExportForm>& export_forms() {
  static std::vector<ExportForm> forms;
  return forms;
}

namespace {
void add_export_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Write a model or an adapter in another tool's format (GGUF for llama.cpp)");
  auto flags = std::make_shared<ExportFlags>();
  cmd->add_option("--model", flags->model, "Base model folder (Hugging Face)")->required();
  cmd->add_option("--adapter", flags->adapter, "PEFT adapter folder: export the adapter rather than the model");
  cmd->add_option("--format", flags->format, "Output format")->capture_default_str();
  cmd->add_option("--out", flags->out, "Output file")->required();
  cmd->add_option("--outtype,--dtype", flags->outtype, "Storage type of the written tensors (f32, f16, bf16, ...)");
  cmd->callback([flags] {
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
