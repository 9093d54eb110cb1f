#include "hone/peft/ln_tuning/config.h"

namespace hone {

const OptionSection<LnTuningConfig>& ln_tuning_section() {
  static const auto section = OptionSection<LnTuningConfig>("ln_tuning").add(
      "target_modules", &LnTuningConfig::target_modules,
      "Norm layers whose weight is trained: leaf names (input_layernorm, post_attention_layernorm) or norm (the final one)",
      not_empty_list());
  return section;
}

}  // namespace hone
