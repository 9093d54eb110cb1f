// BitFit's options: which linear layers get their bias trained. The recipe section "bitfit.*".
#pragma once

#include <string>
#include <vector>

#include "hone/util/option_section.h"

namespace hone {

struct BitfitConfig {
  // The attention projections by default: the biases a Llama config.json can declare
  // (attention_bias), so the merged model saves faithfully. "all-linear" adds the MLP's.
  std::vector<std::string> target_modules = {"q_proj", "k_proj", "v_proj", "o_proj"};
  std::string base_model_name_or_path;
};

const OptionSection<BitfitConfig>& bitfit_section();

}  // namespace hone
