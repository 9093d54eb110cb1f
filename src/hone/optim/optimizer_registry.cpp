#include "hone/optim/optimizer_registry.h"

#include <algorithm>

#include "hone/util/error.h"

namespace hone {

// Each optimizer's entry, next to its implementation. A new optimizer adds its files and one line here.
const OptimizerEntry& adamw_optimizer();  // optim/adamw.cpp
const OptimizerEntry& sgd_optimizer();    // optim/sgd.cpp

const std::vector<const OptimizerEntry*>& optimizer_entries() {
  static const std::vector<const OptimizerEntry*> entries = {
      &adamw_optimizer(),
      &sgd_optimizer(),
  };
  return entries;
}

std::string optimizer_names() {
  std::string names;
  for (const OptimizerEntry* e : optimizer_entries()) names += (names.empty() ? "" : ", ") + e->name;
  return names;
}

const OptimizerEntry& optimizer_entry(const std::string& name) {
  for (const OptimizerEntry* e : optimizer_entries())
    if (e->name == name) return *e;
  HONE_FAIL("unknown optimizer '", name, "' (optimizers: ", optimizer_names(), ")");
}

std::map<std::string, std::any> default_optimizer_options() {
  std::map<std::string, std::any> out;
  for (const OptimizerEntry* e : optimizer_entries()) out.emplace(e->name, e->options->make_defaults());
  return out;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const void* options, std::vector<ParamGroup> groups) {
  const OptimizerEntry& entry = optimizer_entry(name);
  std::any defaults;
  if (!options) {
    defaults = entry.options->make_defaults();
    options = entry.options->values_in(defaults);
  }
  entry.options->validate_at(options);
  for (const ParamGroup& g : groups) {
    HONE_CHECK(g.options.is_object(), name, ": parameter group '", g.name, "': options must be a JSON object");
    for (const auto& [key, value] : g.options.items()) {
      const auto& known = entry.group_options;
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      HONE_FAIL(name, ": parameter group '", g.name, "' has option '", key, "', which ", name, " does not read",
                list.empty() ? std::string(" (it reads none)") : " (it reads " + list + ")");
    }
  }
  return entry.make(std::move(groups), options);
}

}  // namespace hone
