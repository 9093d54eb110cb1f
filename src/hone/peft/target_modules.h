// PEFT's target_modules matching for a list of names: a module is targeted when an entry is its
// leaf name ("q_proj"), its whole path, or a dotted suffix of it ("self_attn.q_proj"); the
// entry "all-linear" targets every linear layer but the output head.
#pragma once

#include <string>
#include <vector>

namespace hone {

bool targets_module(const std::vector<std::string>& target_modules, const std::string& module_name);

}  // namespace hone
