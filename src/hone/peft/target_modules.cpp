#include "hone/peft/target_modules.h"

namespace hone {

bool targets_module(const std::vector<std::string>& target_modules, const std::string& module_name) {
  const auto dot = module_name.rfind('.');
  const std::string leaf = dot == std::string::npos ? module_name : module_name.substr(dot + 1);
  for (const std::string& t : target_modules) {
    if (t == "all-linear") return leaf != "lm_head";
    if (t == leaf || t == module_name) return true;
    if (module_name.size() > t.size() && module_name.compare(module_name.size() - t.size(), t.size(), t) == 0 &&
        module_name[module_name.size() - t.size() - 1] == '.')
      return true;
  }
  return false;
}

}  // namespace hone
