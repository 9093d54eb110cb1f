// `hone export` is one verb with several forms kept in separate files: a LoRA adapter to
// llama.cpp's GGUF LoRA (export_adapter.cpp) and a whole model to GGUF (export_verb.cpp). The
// verb owns the shared flags; each form registers a test of whether a parsed command is its own
// and the code that runs it, so the forms never edit each other's files.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace hone::cli {

// Flags every form reads (filled in before any form's claims() or run() is called).
struct ExportFlags {
  std::string model;    // --model: a Hugging Face folder (or, for the model form, what it accepts)
  std::string adapter;  // --adapter: a PEFT adapter folder; empty when exporting a model
  std::string format = "gguf";  // --format
  std::string out;      // --out
  std::string outtype;  // --outtype: storage type of the written tensors; empty = the form's default
  bool overwrite = false;  // --overwrite: replace an existing --out (never one of the inputs)
};

struct ExportForm {
  std::string description;  // "a LoRA adapter as llama.cpp's GGUF LoRA (--adapter A --model M)"
  std::function<bool(const ExportFlags&)> claims;
  std::function<void(const ExportFlags&)> run;
};

std::vector<ExportForm>& export_forms();

struct ExportFormRegistrar {
  explicit ExportFormRegistrar(ExportForm form) { export_forms().push_back(std::move(form)); }
};

}  // namespace hone::cli

// In a form's .cpp: HONE_REGISTER_EXPORT_FORM(lora_gguf, ExportForm{...}).
#define HONE_REGISTER_EXPORT_FORM(name, form) \
  static ::hone::cli::ExportFormRegistrar hone_export_form_##name(form)
