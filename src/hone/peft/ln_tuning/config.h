// LN-tuning's options (PEFT's LNTuningConfig): which normalisation layers are trained. The recipe
// section "ln_tuning.*".
#pragma once

#include <string>
#include <vector>

#include "hone/util/option_section.h"

namespace hone {

struct LnTuningConfig {
  // PEFT's default for Llama-family models (TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING).
  std::vector<std::string> target_modules = {"input_layernorm", "post_attention_layernorm", "norm"};
  std::string base_model_name_or_path;
};

const OptionSection<LnTuningConfig>& ln_tuning_section();

}  // namespace hone
