// LN-tuning (Zhao et al., 2023; PEFT's LN_TUNING): only the normalisation layers' weights are
// trained. PEFT keeps a trained copy of each targeted norm under "ln_tuning_layers", which is
// the key it saves: base_model.model.<norm module>.ln_tuning_layers.weight.
#include <optional>
#include <regex>

#include "hone/peft/adapter_method.h"
#include "hone/peft/ln_tuning/config.h"
#include "hone/peft/peft_folder.h"
#include "hone/peft/replaced_tensors.h"
#include "hone/peft/target_modules.h"

namespace hone {

const AdapterMethod& ln_tuning_method();

namespace {

class LnTuningAttached : public ReplacedTensorsAdapter {
 public:
  // `regex`, when given (a PEFT config's string target_modules), must match the whole module name.
  LnTuningAttached(DecoderModel& model, LnTuningConfig config, const std::optional<std::regex>& regex)
      : config_(std::move(config)) {
    for (auto& [name, t] : model.named_parameters()) {
      // A norm module's weight: "model.layers.0.input_layernorm.weight", "model.norm.weight".
      const std::string module = name.substr(0, name.rfind('.'));
      if (t->rank() != 1 || module.substr(module.rfind('.') + 1).find("norm") == std::string::npos) continue;
      const bool targeted = regex ? std::regex_match(module, *regex) : targets_module(config_.target_modules, module);
      if (targeted) replace(t, *t, module + ".ln_tuning_layers.weight", kPeftKeyPrefix + module + ".ln_tuning_layers.weight");
    }
    HONE_CHECK(!slots().empty(), "ln_tuning.target_modules matches no norm layer of this model (its norms: ",
               "input_layernorm, post_attention_layernorm, norm)");
  }

  const AdapterMethod& method() const override { return ln_tuning_method(); }

 protected:
  nlohmann::ordered_json config_json() const override {
    nlohmann::json j;  // LNTuningConfig's fields, sorted as PEFT writes them
    j["auto_mapping"] = nullptr;
    j["base_model_name_or_path"] =
        config_.base_model_name_or_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(config_.base_model_name_or_path);
    j["exclude_modules"] = nullptr;
    j["inference_mode"] = true;
    j["modules_to_save"] = nullptr;
    j["peft_type"] = ln_tuning_method().peft_type;
    j["revision"] = nullptr;
    j["target_modules"] = config_.target_modules;
    j["task_type"] = "CAUSAL_LM";
    return nlohmann::ordered_json(j);
  }

 private:
  LnTuningConfig config_;
};

std::unique_ptr<Adapter> load_ln_tuning(DecoderModel& model, const std::string& dir, const nlohmann::json& json) {
  const std::string source = dir + "/adapter_config.json";
  LnTuningConfig config;
  std::optional<std::regex> regex;
  with_context(source, [&] {
    auto refuse_if_set = [&](const char* key) {
      HONE_CHECK(!json.contains(key) || json[key].is_null() || json[key].empty(), "\"", key, "\" = ", json[key].dump(),
                 ": not supported yet");
    };
    refuse_if_set("exclude_modules");
    refuse_if_set("modules_to_save");
    config.base_model_name_or_path = base_model_of(json);
    if (!json.contains("target_modules") || json["target_modules"].is_null()) return;  // PEFT's default
    const auto& t = json["target_modules"];
    try {
      if (t.is_string()) regex.emplace(t.get<std::string>());
      else config.target_modules = t.get<std::vector<std::string>>();
    } catch (const std::exception&) {
      HONE_FAIL("\"target_modules\" must be a list of module names or one regular expression, got ", t.dump());
    }
  });
  auto adapter = std::make_unique<LnTuningAttached>(model, config, regex);
  adapter->fill_from_folder(dir);
  return adapter;
}

}  // namespace

const AdapterMethod& ln_tuning_method() {
  static const AdapterMethod method{
      "ln_tuning", "LN_TUNING", "LN-tuning: train the normalisation layers' weights (PEFT's LN_TUNING)",
      &ln_tuning_section(),
      [](DecoderModel& model, const void* options, const AttachOptions& a) -> std::unique_ptr<Adapter> {
        LnTuningConfig config = *static_cast<const LnTuningConfig*>(options);
        config.base_model_name_or_path = a.base_model;
        ln_tuning_section().validate(config);
        return std::make_unique<LnTuningAttached>(model, config, std::nullopt);
      },
      load_ln_tuning,
      nullptr};
  return method;
}

}  // namespace hone
