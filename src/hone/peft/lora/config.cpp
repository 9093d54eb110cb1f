#include "hone/peft/lora/config.h"

#include <cmath>
#include <regex>

#include "hone/peft/target_modules.h"
#include "hone/util/error.h"

namespace hone {

namespace {
// A user's regex, compiled with an Error naming the field instead of std::regex_error.
std::regex compile(const std::string& pattern, const char* field) {
  try {
    return std::regex(pattern);
  } catch (const std::regex_error& e) {
    HONE_FAIL(field, ": '", pattern, "' is not a valid regular expression (", e.what(), ")");
  }
}

// PEFT matches pattern keys against the end of a module path: re.match(rf"(.*\.)?({key})$", name).
bool pattern_matches(const std::string& key, const std::string& module_name, const char* field) {
  return std::regex_match(module_name, compile("(.*\\.)?(" + key + ")", field));
}
}  // namespace

int64_t LoraConfig::rank_for(const std::string& module_name) const {
  for (const auto& [key, value] : rank_pattern)
    if (pattern_matches(key, module_name, "rank_pattern")) return value;
  return r;
}

double LoraConfig::alpha_for(const std::string& module_name) const {
  for (const auto& [key, value] : alpha_pattern)
    if (pattern_matches(key, module_name, "alpha_pattern")) return value;
  return alpha;
}

double LoraConfig::scaling_for(const std::string& module_name) const {
  return scaling_for(module_name, rank_for(module_name));
}

double LoraConfig::scaling_for(const std::string& module_name, int64_t rank) const {
  return use_rslora ? alpha_for(module_name) / std::sqrt(double(rank)) : alpha_for(module_name) / double(rank);
}

bool LoraConfig::targets(const std::string& module_name) const {
  if (target_regex) return std::regex_match(module_name, compile(*target_regex, "target_modules"));
  return targets_module(target_modules, module_name);
}

const OptionSection<LoraConfig>& lora_section() {
  using C = LoraConfig;
  static const auto section =
      OptionSection<C>("lora")
          .add("r", &C::r, "LoRA rank", positive<int64_t>())
          .add("alpha", &C::alpha, "LoRA alpha (scaling alpha / r)", positive<double>())
          .add("dropout", &C::dropout, "Dropout on the LoRA input", in_range(0, 1))
          .add("target_modules", &C::target_modules, "Modules to adapt: leaf names (q_proj,v_proj) or all-linear",
               not_empty_list())
          .add("use_rslora", &C::use_rslora, "Rank-stabilised scaling alpha / sqrt(r)")
          .add("use_dora", &C::use_dora, "Weight-decomposed LoRA (DoRA)")
          .add("init", &C::init, "LoRA init: default (Kaiming-uniform A, zero B) or gaussian", one_of({"default", "gaussian"}));
  return section;
}

void LoraConfig::validate() const {
  lora_section().validate(*this);
  for (const auto& [k, v] : rank_pattern) {
    HONE_CHECK(v > 0, "rank_pattern['", k, "'] must be a positive integer, got ", v);
    compile(k, "rank_pattern");
  }
  for (const auto& [k, v] : alpha_pattern) {
    HONE_CHECK(v > 0 && std::isfinite(v), "alpha_pattern['", k, "'] must be positive, got ", v);
    compile(k, "alpha_pattern");
  }
  if (target_regex) compile(*target_regex, "target_modules");
  // lora_alpha 1e308 passed as "positive" and evaluated to NaN: a scaling this large overflows
  // f32 activations long before it could mean anything.
  for (const double scaling : {alpha / std::sqrt(double(r)), alpha / double(r)})
    HONE_CHECK(std::isfinite(scaling) && scaling <= kMaxScaling, "lora alpha ", alpha, " with r ", r, " gives a scaling of ",
               scaling, ", beyond ", kMaxScaling, " (alpha / r, or alpha / sqrt(r) with rslora)");
  for (const auto& [k, v] : alpha_pattern)
    HONE_CHECK(v / std::sqrt(double(r)) <= kMaxScaling && v / double(r) <= kMaxScaling, "alpha_pattern['", k, "'] = ", v,
               " gives a scaling beyond ", kMaxScaling);
}

nlohmann::ordered_json lora_config_to_peft_json(const LoraConfig& c) {
  // The fields every PEFT release since use_dora appeared (0.9) understands, so older PEFT
  // versions, which reject unknown keys, load the file too. PEFT sorts keys; nlohmann::json keeps
  // them sorted, and the result is copied into the ordered form the caller may extend.
  nlohmann::json j;
  j["alpha_pattern"] = c.alpha_pattern;
  j["auto_mapping"] = nullptr;
  j["base_model_name_or_path"] = c.base_model_name_or_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.base_model_name_or_path);
  j["bias"] = "none";
  j["fan_in_fan_out"] = false;
  j["inference_mode"] = true;
  j["init_lora_weights"] = c.init == "gaussian" ? nlohmann::json("gaussian") : nlohmann::json(true);
  j["layers_pattern"] = nullptr;
  j["layers_to_transform"] = nullptr;
  j["loftq_config"] = nlohmann::json::object();
  // Integral alphas are written as integers, as PEFT users write them.
  j["lora_alpha"] = c.alpha == std::floor(c.alpha) ? nlohmann::json(int64_t(c.alpha)) : nlohmann::json(c.alpha);
  j["lora_dropout"] = c.dropout;
  j["megatron_config"] = nullptr;
  j["megatron_core"] = "megatron.core";
  j["modules_to_save"] = nullptr;
  j["peft_type"] = "LORA";
  j["r"] = c.r;
  j["rank_pattern"] = c.rank_pattern;
  j["revision"] = nullptr;
  if (c.target_regex) j["target_modules"] = *c.target_regex;
  else j["target_modules"] = c.target_modules;
  j["task_type"] = "CAUSAL_LM";
  j["use_dora"] = c.use_dora;
  j["use_rslora"] = c.use_rslora;
  nlohmann::ordered_json out;
  for (const auto& [k, v] : j.items()) out[k] = v;
  return out;
}

LoraConfig lora_config_from_peft_json(const nlohmann::json& j, const std::string& source) {
  return with_context(source, [&] {
    HONE_CHECK(j.is_object(), "adapter config is not a JSON object");
    HONE_CHECK(j.contains("peft_type") && j["peft_type"].is_string(), "missing \"peft_type\"");
    const std::string type = j["peft_type"];
    HONE_CHECK(type == "LORA", "peft_type \"", type, "\" is not supported yet (hone loads LORA adapters)");
    LoraConfig c;
    auto get = [&](const char* key, auto& field) {
      if (!j.contains(key) || j[key].is_null()) return;
      try {
        field = j[key].get<std::decay_t<decltype(field)>>();
      } catch (const nlohmann::json::exception&) {
        HONE_FAIL("\"", key, "\" has the wrong type: ", j[key].dump());
      }
    };
    get("r", c.r);
    get("lora_alpha", c.alpha);
    get("lora_dropout", c.dropout);
    get("use_rslora", c.use_rslora);
    get("use_dora", c.use_dora);
    get("rank_pattern", c.rank_pattern);
    get("alpha_pattern", c.alpha_pattern);
    get("base_model_name_or_path", c.base_model_name_or_path);
    if (j.contains("target_modules")) {
      const auto& t = j["target_modules"];
      if (t.is_string()) {
        if (t.get<std::string>() == "all-linear") c.target_modules = {"all-linear"};
        else c.target_regex = t.get<std::string>();
      } else {
        get("target_modules", c.target_modules);
      }
    }
    if (j.contains("init_lora_weights") && j["init_lora_weights"].is_string()) {
      const std::string init = j["init_lora_weights"];
      // Inits that only choose the starting A and B are harmless on load (the file's tensors
      // replace them); those that also rewrite the base weights (PiSSA, OLoRA, CorDA, LoRA-GA,
      // LoftQ) would give a wrong model here, so they are refused rather than loaded silently.
      const bool start_only = init == "gaussian" || init == "eva" || init == "orthogonal";
      HONE_CHECK(start_only, "\"init_lora_weights\" = \"", init, "\": this init changes the base weights, which hone ",
                 "does not reproduce; convert the adapter to a plain LoRA with PEFT first");
      c.init = init == "gaussian" ? "gaussian" : "default";
    }
    auto refuse_if = [&](const char* key, bool bad, const char* why) {
      HONE_CHECK(!bad, "\"", key, "\" = ", j[key].dump(), ": ", why);
    };
    if (j.contains("fan_in_fan_out")) refuse_if("fan_in_fan_out", j["fan_in_fan_out"] == true, "Conv1D-layout weights are not supported");
    if (j.contains("bias")) refuse_if("bias", j["bias"] != "none", "only bias \"none\" is supported");
    if (j.contains("lora_bias")) refuse_if("lora_bias", j["lora_bias"] == true, "LoRA biases are not supported yet");
    if (j.contains("modules_to_save")) refuse_if("modules_to_save", !j["modules_to_save"].is_null() && !j["modules_to_save"].empty(), "modules_to_save is not supported yet");
    if (j.contains("layers_to_transform")) refuse_if("layers_to_transform", !j["layers_to_transform"].is_null(), "layer selection is not supported yet");
    if (j.contains("exclude_modules")) refuse_if("exclude_modules", !j["exclude_modules"].is_null() && !j["exclude_modules"].empty(), "exclude_modules is not supported yet");
    c.validate();
    return c;
  });
}

}  // namespace hone
