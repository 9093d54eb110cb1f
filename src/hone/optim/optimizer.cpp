#include "hone/optim/optimizer.h"

#include <set>

#include "hone/optim/adamw.h"
#include "hone/optim/sgd.h"

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

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& o, std::vector<ParamGroup> groups) {
  if (o.type == "adamw") return std::make_unique<AdamW>(std::move(groups), o.beta1, o.beta2, o.eps);
  if (o.type == "sgd") return std::make_unique<Sgd>(std::move(groups), o.momentum, o.dampening, o.nesterov);
  HONE_FAIL("optimizer: unknown type '", o.type, "' (expected adamw or sgd)");
}

}  // namespace hone
