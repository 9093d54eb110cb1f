// The prompt Stanford Alpaca trained with, for models without a chat template: a fixed preamble,
// "### Instruction:", "### Input:" (only when the input is non-empty) and "### Response:",
// followed directly by the output.
#pragma once

#include <string>

namespace hone {

// The prompt text up to and including "### Response:". A non-empty `system` replaces the
// preamble (as LLaMA-Factory's alpaca template treats its system slot).
std::string alpaca_prompt(const std::string& instruction, const std::string& input, const std::string& system = "");

}  // namespace hone
