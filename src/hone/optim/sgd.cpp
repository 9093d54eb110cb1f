#include "hone/optim/sgd.h"

#include "hone/optim/optimizer_registry.h"

namespace hone {

const OptionSection<SgdOptions>& sgd_section() {
  static const auto section = OptionSection<SgdOptions>("").add("momentum", &SgdOptions::momentum, "SGD momentum",
                                                                at_least(0.0));
  return section;
}

const OptimizerEntry& sgd_optimizer() {
  static const OptimizerEntry entry{
      "sgd", &sgd_section(), {"momentum", "dampening"}, [](std::vector<ParamGroup> groups, const void* options) {
        return std::unique_ptr<Optimizer>(std::make_unique<Sgd>(std::move(groups), *static_cast<const SgdOptions*>(options)));
      }};
  return entry;
}

Sgd::Sgd(std::vector<ParamGroup> groups, const SgdOptions& options)
    : Optimizer(std::move(groups)), nesterov_(options.nesterov) {
  for (const ParamGroup& g : groups_) {
    const GroupSettings s{g.option("momentum", options.momentum), g.option("dampening", options.dampening)};
    const std::string where = g.options.empty() ? "" : " (parameter group '" + g.name + "')";
    HONE_CHECK(s.momentum >= 0, "sgd: momentum must be >= 0, got ", s.momentum, where);
    HONE_CHECK(!nesterov_ || (s.momentum > 0 && s.dampening == 0), "sgd: nesterov needs momentum > 0 and dampening 0", where);
    group_settings_.push_back(s);
  }
}

void Sgd::step(double base_lr) {
  ++steps_;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    ParamGroup& group = groups_[gi];
    const double momentum = group_settings_[gi].momentum;
    const float lr = float(base_lr * group.lr_scale);
    const float wd = float(group.weight_decay);
    const float mom = float(momentum), damp = float(group_settings_[gi].dampening);
    for (Tensor& p : group.params) {
      const Tensor g = p.grad();
      if (!g.defined()) continue;
      float* w = p.data<float>();
      const float* gr = g.data<float>();
      const int64_t n = p.numel();
      float* buf = nullptr;
      bool first = false;
      if (momentum != 0) {
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
