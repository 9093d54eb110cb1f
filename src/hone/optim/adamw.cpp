#include "hone/optim/adamw.h"

#include <cmath>

#include "hone/optim/optimizer_registry.h"

namespace hone {

const OptionSection<AdamWOptions>& adamw_section() {
  static const auto section = OptionSection<AdamWOptions>("")
                                  .add("adam_beta1", &AdamWOptions::beta1, "AdamW beta1", in_range(0.0, 1.0))
                                  .add("adam_beta2", &AdamWOptions::beta2, "AdamW beta2", in_range(0.0, 1.0))
                                  .add("adam_epsilon", &AdamWOptions::eps, "AdamW epsilon", positive<double>());
  return section;
}

const OptimizerEntry& adamw_optimizer() {
  static const OptimizerEntry entry{
      "adamw", &adamw_section(), {"beta1", "beta2", "eps"}, [](std::vector<ParamGroup> groups, const void* options) {
        return std::unique_ptr<Optimizer>(std::make_unique<AdamW>(std::move(groups), *static_cast<const AdamWOptions*>(options)));
      }};
  return entry;
}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options) : Optimizer(std::move(groups)) {
  for (const ParamGroup& g : groups_) {
    const GroupSettings b{g.option("beta1", options.beta1), g.option("beta2", options.beta2), g.option("eps", options.eps)};
    HONE_CHECK(b.beta1 >= 0 && b.beta1 < 1 && b.beta2 >= 0 && b.beta2 < 1, "adamw: betas must be in [0, 1), got ",
               b.beta1, ", ", b.beta2, g.options.empty() ? "" : " (parameter group '" + g.name + "')");
    HONE_CHECK(b.eps > 0, "adamw: eps must be positive, got ", b.eps,
               g.options.empty() ? "" : " (parameter group '" + g.name + "')");
    group_settings_.push_back(b);
  }
}

void AdamW::step(double base_lr) {
  ++steps_;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    ParamGroup& group = groups_[gi];
    const double beta1 = group_settings_[gi].beta1, beta2 = group_settings_[gi].beta2;
    const float lr = float(base_lr * group.lr_scale);
    const float decay = float(1.0 - double(lr) * group.weight_decay);
    for (Tensor& p : group.params) {
      const Tensor g = p.grad();
      if (!g.defined()) continue;
      Moments& m = moments_[p.name()];
      if (!m.exp_avg.defined()) {
        m.exp_avg = Tensor::zeros(p.shape());
        m.exp_avg_sq = Tensor::zeros(p.shape());
      }
      ++m.step;
      const float b1 = float(beta1), b2 = float(beta2);
      const double bias1 = 1.0 - std::pow(beta1, double(m.step));
      const float step_size = float(double(lr) / bias1);
      const float bias2_sqrt = float(std::sqrt(1.0 - std::pow(beta2, double(m.step))));
      const float eps = float(group_settings_[gi].eps);
      float* w = p.data<float>();
      const float* gr = g.data<float>();
      float* ea = m.exp_avg.data<float>();
      float* eq = m.exp_avg_sq.data<float>();
      const int64_t n = p.numel();
      const bool apply_decay = group.weight_decay != 0.0;
#pragma omp parallel for schedule(static) if (n > (1 << 15))
      for (int64_t i = 0; i < n; ++i) {
        if (apply_decay) w[i] *= decay;
        ea[i] = ea[i] * b1 + gr[i] * (1.0f - b1);
        eq[i] = eq[i] * b2 + gr[i] * gr[i] * (1.0f - b2);
        const float denom = std::sqrt(eq[i]) / bias2_sqrt + eps;
        w[i] += -step_size * (ea[i] / denom);
      }
    }
  }
}

OptimizerState AdamW::state() const {
  OptimizerState s;
  s.scalars["type"] = "adamw";
  s.scalars["steps"] = steps_;
  for (const auto& [name, m] : moments_) {
    s.tensors.emplace_back(name + ".exp_avg", m.exp_avg);
    s.tensors.emplace_back(name + ".exp_avg_sq", m.exp_avg_sq);
    s.scalars["param_steps"][name] = m.step;
  }
  return s;
}

void AdamW::load_state(const OptimizerState& s) {
  HONE_CHECK(s.scalars.value("type", "") == "adamw", "optimizer state is for '", s.scalars.value("type", "?"),
             "', not adamw");
  std::map<std::string, Tensor> by_name(s.tensors.begin(), s.tensors.end());
  moments_.clear();
  steps_ = s.scalars.at("steps").get<int64_t>();
  const auto& param_steps = s.scalars.value("param_steps", nlohmann::json::object());
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      if (!param_steps.contains(p.name())) continue;  // never stepped before the checkpoint
      Moments m;
      m.step = param_steps.at(p.name()).get<int64_t>();
      for (auto [suffix, dst] : {std::pair{".exp_avg", &m.exp_avg}, std::pair{".exp_avg_sq", &m.exp_avg_sq}}) {
        auto it = by_name.find(p.name() + suffix);
        HONE_CHECK(it != by_name.end(), "optimizer state: missing '", p.name(), suffix, "'");
        HONE_CHECK(it->second.shape() == p.shape(), "optimizer state: '", p.name(), suffix, "' has shape ",
                   it->second.shape().str(), " but the parameter is ", p.shape().str());
        *dst = it->second.to(DType::F32).clone();
      }
      moments_[p.name()] = m;
    }
  }
}

}  // namespace hone
