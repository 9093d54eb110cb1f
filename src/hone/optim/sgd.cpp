#include "hone/optim/sgd.h"

namespace hone {

Sgd::Sgd(std::vector<ParamGroup> groups, double momentum, double dampening, bool nesterov)
    : Optimizer(std::move(groups)), momentum_(momentum), dampening_(dampening), nesterov_(nesterov) {
  HONE_CHECK(momentum >= 0, "sgd: momentum must be >= 0, got ", momentum);
  HONE_CHECK(!nesterov || (momentum > 0 && dampening == 0), "sgd: nesterov needs momentum > 0 and dampening 0");
}

void Sgd::step(double base_lr) {
  ++steps_;
  for (ParamGroup& group : groups_) {
    const float lr = float(base_lr * group.lr_scale);
    const float wd = float(group.weight_decay);
    const float mom = float(momentum_), damp = float(dampening_);
    for (Tensor& p : group.params) {
      const Tensor g = p.grad();
      if (!g.defined()) continue;
      float* w = p.data<float>();
      const float* gr = g.data<float>();
      const int64_t n = p.numel();
      float* buf = nullptr;
      bool first = false;
      if (momentum_ != 0) {
        Tensor& b = buffers_[p.name()];
        first = !b.defined();
        if (first) b = Tensor::empty(p.shape());
        buf = b.data<float>();
      }
#pragma omp parallel for schedule(static) if (n > (1 << 15))
      for (int64_t i = 0; i < n; ++i) {
        float d = wd != 0 ? gr[i] + w[i] * wd : gr[i];
        if (buf) {
          buf[i] = first ? d : buf[i] * mom + d * (1.0f - damp);
          d = nesterov_ ? d + buf[i] * mom : buf[i];
        }
        w[i] += -lr * d;
      }
    }
  }
}

OptimizerState Sgd::state() const {
  OptimizerState s;
  s.scalars["type"] = "sgd";
  s.scalars["steps"] = steps_;
  for (const auto& [name, b] : buffers_) s.tensors.emplace_back(name + ".momentum_buffer", b);
  return s;
}

void Sgd::load_state(const OptimizerState& s) {
  HONE_CHECK(s.scalars.value("type", "") == "sgd", "optimizer state is for '", s.scalars.value("type", "?"),
             "', not sgd");
  steps_ = s.scalars.at("steps").get<int64_t>();
  buffers_.clear();
  for (const ParamGroup& group : groups_)
    for (const Tensor& p : group.params)
      for (const auto& [name, t] : s.tensors)
        if (name == p.name() + ".momentum_buffer") {
          HONE_CHECK(t.shape() == p.shape(), "optimizer state: '", name, "' has the wrong shape");
          buffers_[p.name()] = t.to(DType::F32).clone();
        }
}

}  // namespace hone
