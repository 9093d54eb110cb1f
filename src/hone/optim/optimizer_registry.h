// The registry of optimizers: each one once, by its recipe name (`optimizer: adamw`), with its
// recipe section (keys, defaults, help and checks declared once, util/option_section.h), the
// per-group options it reads from ParamGroup::options, and how it is built. The trainer, bench
// and tests build optimizers only through here.
#pragma once

#include <any>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "hone/optim/optimizer.h"
#include "hone/util/option_section.h"

namespace hone {

struct OptimizerEntry {
  std::string name;                         // the recipe's `optimizer` value
  const AnyOptionSection* options;          // its recipe section (its options struct)
  std::vector<std::string> group_options;   // ParamGroup::options keys it reads (besides weight_decay, lr_scale)
  // Builds it over `groups`; `options` points at its section's struct.
  std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup> groups, const void* options)> make;
};

// Every registered optimizer, in the order --help and config.yaml list their keys.
const std::vector<const OptimizerEntry*>& optimizer_entries();
// The optimizer named `name`; Error listing the registered names when there is none.
const OptimizerEntry& optimizer_entry(const std::string& name);
// "adamw, sgd" for messages and help.
std::string optimizer_names();

// Every registered optimizer's options struct with its section's defaults, by name: what a
// recipe holds, so that `adam_beta1` may be given whichever optimizer is chosen.
std::map<std::string, std::any> default_optimizer_options();

// Builds optimizer `name` over `groups` with `options`, a pointer to its section's struct
// (nullptr: the section's defaults). Error naming the group and key for a group option the
// optimizer does not read, and for options that fail the section's checks.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const void* options, std::vector<ParamGroup> groups);

// The same with the options struct given by value: make_optimizer("adamw", AdamWOptions{...}, groups).
template <class Options>
  requires(!std::is_pointer_v<Options> && !std::is_null_pointer_v<Options>)
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const Options& options, std::vector<ParamGroup> groups) {
  return make_optimizer(name, static_cast<const void*>(&options), std::move(groups));
}

}  // namespace hone
