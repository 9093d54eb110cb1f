#include "hone/peft/bitfit/config.h"

namespace hone {

const OptionSection<BitfitConfig>& bitfit_section() {
  static const auto section = OptionSection<BitfitConfig>("bitfit").add(
      "target_modules", &BitfitConfig::target_modules,
      "Linear layers whose bias is trained (added as zeros where the model has none): leaf names or all-linear",
      not_empty_list());
  return section;
}

}  // namespace hone
