#include "hone/data/alpaca_prompt.h"

namespace hone {

std::string alpaca_prompt(const std::string& instruction, const std::string& input, const std::string& system) {
  const bool has_input = !input.empty();
  std::string preamble = system;
  if (preamble.empty()) {
    preamble = has_input ? "Below is an instruction that describes a task, paired with an input that provides further "
                           "context. Write a response that appropriately completes the request."
                         : "Below is an instruction that describes a task. Write a response that appropriately "
                           "completes the request.";
  }
  std::string prompt = preamble + "\n\n### Instruction:\n" + instruction + "\n\n";
  if (has_input) prompt += "### Input:\n" + input + "\n\n";
  return prompt + "### Response:";
}

}  // namespace hone
