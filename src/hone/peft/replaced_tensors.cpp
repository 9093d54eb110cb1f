#include "hone/peft/replaced_tensors.h"

#include <cmath>
#include <set>

#include "hone/peft/adapter_method.h"
#include "hone/peft/peft_folder.h"
#include "hone/util/error.h"

namespace hone {

void ReplacedTensorsAdapter::replace(Tensor* slot, const Tensor& start, const std::string& name, const std::string& key) {
  Tensor trainable = start.to(DType::F32).clone().set_name(name);
  trainable.set_requires_grad(true);
  slots_.push_back({slot, *slot, trainable, key});
  *slot = trainable;
}

NamedTensors ReplacedTensorsAdapter::trainable_tensors() const {
  NamedTensors out;
  for (const Slot& s : slots_) out.emplace_back(s.trainable.name(), s.trainable);
  return out;
}

NamedTensors ReplacedTensorsAdapter::saved_tensors() const {
  NamedTensors out;
  for (const Slot& s : slots_) out.emplace_back(s.key, s.trainable);
  return out;
}

void ReplacedTensorsAdapter::fill_from_folder(const std::string& dir) {
  try {
    fill_or_throw(dir);
  } catch (...) {
    unload();
    throw;
  }
}

void ReplacedTensorsAdapter::fill_or_throw(const std::string& dir) {
  const SafetensorsFile file = open_peft_weights(dir);
  std::set<std::string> unused;
  for (const auto& e : file.entries()) unused.insert(e.name);
  for (const Slot& s : slots_) {
    HONE_CHECK(file.contains(s.key), file.path(), ": missing tensor '", s.key, "' for a module the config targets");
    const SafetensorsEntry& entry = file.entry(s.key);
    HONE_CHECK(entry.loadable && (entry.dtype == DType::F32 || entry.dtype == DType::F16 || entry.dtype == DType::BF16),
               file.path(), ": tensor '", s.key, "' is ", entry.file_dtype, " (expected F32, F16 or BF16)");
    const Tensor t = file.get(s.key);
    HONE_CHECK(t.shape() == s.trainable.shape(), file.path(), ": tensor '", s.key, "' has shape ", t.shape().str(),
               " but the model needs ", s.trainable.shape().str());
    Tensor target = s.trainable;
    target.copy_from(t);
    unused.erase(s.key);
  }
  if (!unused.empty())
    HONE_FAIL(file.path(), ": tensor '", *unused.begin(), "' matches no targeted module of this model and config",
              unused.size() > 1 ? " (and " + std::to_string(unused.size() - 1) + " more)" : "");
}

void ReplacedTensorsAdapter::save(const std::string& dir) const { save_peft_folder(dir, config_json(), saved_tensors()); }
void ReplacedTensorsAdapter::save_checkpoint(const std::string& dir) const {
  write_peft_files(dir, config_json(), saved_tensors());
}
void ReplacedTensorsAdapter::load_checkpoint(const std::string& dir) {
  load_peft_tensors_into(dir, saved_tensors(), method().name);
}

void ReplacedTensorsAdapter::merge_and_unload() {
  check_mergeable();
  for (const Slot& s : slots_)
    for (const double v : s.trainable.to_doubles())
      HONE_CHECK(std::isfinite(v), "merging ", s.key, " gives a non-finite value (NaN or Inf)");
  // The trained values become the model's own frozen tensors, under the model's tensor name.
  for (const Slot& s : slots_) *s.slot = s.trainable.detach().clone().set_name(s.trainable.name());
  slots_.clear();
}

void ReplacedTensorsAdapter::unload() {
  for (const Slot& s : slots_) *s.slot = s.original;
  slots_.clear();
}

}  // namespace hone
