// BitFit (Ben Zaken et al., 2022): only the bias terms are trained. Layers without a bias get a
// zero one, so the model's output starts unchanged. PEFT has no BitFit tuner; the folder uses
// PEFT's layout and the keys PEFT gives trained biases (bias="all"), with hone's own peft_type
// "BITFIT" (docs/peft.md).
#include "hone/peft/adapter_method.h"
#include "hone/peft/bitfit/config.h"
#include "hone/peft/peft_folder.h"
#include "hone/peft/replaced_tensors.h"
#include "hone/peft/target_modules.h"

namespace hone {

const AdapterMethod& bitfit_method();

namespace {

class BitfitAttached : public ReplacedTensorsAdapter {
 public:
  BitfitAttached(DecoderModel& model, BitfitConfig config) : model_(model), config_(std::move(config)) {
    for (LinearModule* m : model.linear_modules()) {
      if (!targets_module(config_.target_modules, m->name)) continue;
      const Tensor start = m->bias.defined() ? m->bias : Tensor::zeros({m->out_features()});
      replace(&m->bias, start, m->name + ".bias", kPeftKeyPrefix + m->name + ".bias");
      had_bias_.push_back(slots().back().original.defined());
    }
    HONE_CHECK(!slots().empty(), "bitfit.target_modules matches no linear layer of this model (its layers: q_proj, ",
               "k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, or all-linear)");
  }

  const AdapterMethod& method() const override { return bitfit_method(); }

 protected:
  nlohmann::ordered_json config_json() const override {
    nlohmann::json j;  // sorted keys, as PEFT writes its configs
    j["base_model_name_or_path"] =
        config_.base_model_name_or_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(config_.base_model_name_or_path);
    j["bias"] = "all";
    j["inference_mode"] = true;
    j["peft_type"] = bitfit_method().peft_type;
    j["target_modules"] = config_.target_modules;
    j["task_type"] = "CAUSAL_LM";
    return nlohmann::ordered_json(j);
  }

  // A bias the base did not have survives `hone merge` only where config.json can declare it.
  void check_mergeable() const override {
    for (size_t i = 0; i < slots().size(); ++i) {
      if (had_bias_[i]) continue;
      const std::string& name = slots()[i].trainable.name();
      HONE_FAIL("cannot merge this BitFit adapter: ", name, " is a bias the base ", model_.config().model_type,
                " model does not have, and a merged model folder could not declare it; use the adapter with ",
                "--adapter instead");
    }
  }

 private:
  DecoderModel& model_;
  BitfitConfig config_;
  std::vector<bool> had_bias_;
};

std::vector<std::string> string_list(const nlohmann::json& j, const char* key, const std::string& source) {
  HONE_CHECK(j.contains(key) && j[key].is_array(), source, ": \"", key, "\" must be a list of module names");
  std::vector<std::string> out;
  for (const auto& e : j[key]) {
    HONE_CHECK(e.is_string(), source, ": \"", key, "\" must be a list of module names");
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

const AdapterMethod& bitfit_method() {
  static const AdapterMethod method{
      "bitfit", "BITFIT", "BitFit: train the linear layers' biases (adding zero biases where there are none)",
      &bitfit_section(),
      [](DecoderModel& model, const void* options, const AttachOptions& a) -> std::unique_ptr<Adapter> {
        BitfitConfig config = *static_cast<const BitfitConfig*>(options);
        config.base_model_name_or_path = a.base_model;
        bitfit_section().validate(config);
        return std::make_unique<BitfitAttached>(model, config);
      },
      [](DecoderModel& model, const std::string& dir, const nlohmann::json& json) -> std::unique_ptr<Adapter> {
        const std::string source = dir + "/adapter_config.json";
        BitfitConfig config;
        config.target_modules = string_list(json, "target_modules", source);
        config.base_model_name_or_path = base_model_of(json);
        auto adapter = std::make_unique<BitfitAttached>(model, config);
        adapter->fill_from_folder(dir);
        return adapter;
      },
      nullptr};
  return method;
}

}  // namespace hone
