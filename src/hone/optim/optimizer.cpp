#include "hone/optim/optimizer.h"

#include <set>


namespace hone {

Optimizer::Optimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {
  std::set<std::string> names;
  for (const ParamGroup& g : groups_) {
    for (const Tensor& p : g.params) {
      HONE_CHECK(p.defined() && p.is_leaf() && p.impl().requires_grad, "optimizer: ", describe(p),
                 " is not a trainable leaf tensor");
      HONE_CHECK(p.dtype() == DType::F32, "optimizer: ", describe(p), " must be f32 (trainable weights are fp32 masters)");
      HONE_CHECK(!p.name().empty(), "optimizer: every parameter needs a name (state is saved by name)");
      HONE_CHECK(names.insert(p.name()).second, "optimizer: parameter '", p.name(), "' appears twice");
    }
  }
}

void Optimizer::zero_grad() {
  for (ParamGroup& g : groups_)
    for (Tensor& p : g.params) p.zero_grad();
}

double ParamGroup::option(const std::string& key, double fallback) const {
  if (!options.contains(key)) return fallback;
  const nlohmann::json& v = options[key];
  HONE_CHECK(v.is_number(), "parameter group '", name, "': option '", key, "' must be a number, got ", v.dump());
  return v.get<double>();
}

}  // namespace hone
