// LoraConfig as PEFT defines it: per-module rank and alpha from rank_pattern / alpha_pattern
// (first matching key, matched against a whole dotted suffix), target selection, the
// adapter_config.json fields PEFT writes, and clear errors for configs hone cannot honour.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/peft/lora/config.h"
#include "hone/util/error.h"

namespace hone {
namespace {

// The error message of fn(), or "" if it did not throw.
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LoraConfig, PatternsResolvePerModuleRankAlphaAndScaling) {
  LoraConfig c;
  c.r = 8;
  c.alpha = 16;
  c.rank_pattern = {{"q_proj", 4}, {"model.layers.1.mlp.down_proj", 2}};
  c.alpha_pattern = {{"layers\\.1\\..*proj", 3}};
  struct Expected {
    const char* name;
    int64_t r;
    double alpha, scaling, rs_scaling;
  };
  const Expected expected[] = {
      {"model.layers.0.self_attn.q_proj", 4, 16, 4.0, 8.0},
      {"model.layers.0.self_attn.v_proj", 8, 16, 2.0, 5.656854},
      {"model.layers.0.mlp.down_proj", 8, 16, 2.0, 5.656854},
      {"model.layers.1.self_attn.q_proj", 4, 3, 0.75, 1.5},
      {"model.layers.1.self_attn.v_proj", 8, 3, 0.375, 1.060660},
      {"model.layers.1.mlp.down_proj", 2, 3, 1.5, 2.121320},
  };
  for (const Expected& e : expected) {
    EXPECT_EQ(c.rank_for(e.name), e.r) << e.name;
    EXPECT_DOUBLE_EQ(c.alpha_for(e.name), e.alpha) << e.name;
    EXPECT_DOUBLE_EQ(c.scaling_for(e.name), e.scaling) << e.name;
  }
  c.use_rslora = true;
  for (const Expected& e : expected) EXPECT_NEAR(c.scaling_for(e.name), e.rs_scaling, 1e-6) << e.name;
  // A key must match a whole dotted suffix: "proj" is not "q_proj".
  LoraConfig partial;
  partial.rank_pattern = {{"proj", 2}};
  EXPECT_EQ(partial.rank_for("model.layers.0.self_attn.q_proj"), partial.r);
}

TEST(LoraConfig, TargetsLeafNamesSuffixesAllLinearAndRegex) {
  LoraConfig c;
  c.target_modules = {"q_proj", "mlp.down_proj"};
  EXPECT_TRUE(c.targets("model.layers.0.self_attn.q_proj"));
  EXPECT_TRUE(c.targets("model.layers.3.mlp.down_proj"));
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.k_proj"));
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.xq_proj"));
  c.target_modules = {"all-linear"};
  EXPECT_TRUE(c.targets("model.layers.0.mlp.gate_proj"));
  EXPECT_FALSE(c.targets("lm_head"));
  c.target_regex = ".*layers\\.1\\..*(q|v)_proj";
  EXPECT_TRUE(c.targets("model.layers.1.self_attn.v_proj"));
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.v_proj"));
}

TEST(LoraConfig, WritesThePeftFieldsWithPeftDefaults) {
  LoraConfig c;
  c.r = 8;
  c.alpha = 16;
  c.dropout = 0.05;
  c.base_model_name_or_path = "my-org/tiny-llama-2layer";
  const nlohmann::ordered_json j = lora_config_to_peft_json(c);
  // The values of ../shared/reference/peft-format.md 3.4 for every field hone writes.
  const nlohmann::json worked_example = {
      {"alpha_pattern", nlohmann::json::object()}, {"auto_mapping", nullptr},
      {"base_model_name_or_path", "my-org/tiny-llama-2layer"}, {"bias", "none"}, {"fan_in_fan_out", false},
      {"inference_mode", true}, {"init_lora_weights", true}, {"layers_pattern", nullptr},
      {"layers_to_transform", nullptr}, {"loftq_config", nlohmann::json::object()}, {"lora_alpha", 16},
      {"lora_dropout", 0.05}, {"megatron_config", nullptr}, {"megatron_core", "megatron.core"},
      {"modules_to_save", nullptr}, {"peft_type", "LORA"}, {"r", 8}, {"rank_pattern", nlohmann::json::object()},
      {"revision", nullptr}, {"target_modules", {"q_proj", "v_proj"}}, {"task_type", "CAUSAL_LM"},
      {"use_dora", false}, {"use_rslora", false}};
  EXPECT_EQ(nlohmann::json(j), worked_example) << j.dump(2);
  EXPECT_TRUE(j["lora_alpha"].is_number_integer());  // 16, not 16.0, as PEFT users write it
  // Keys come sorted, as PEFT's json.dumps(sort_keys=True) writes them.
  std::string previous;
  for (const auto& [key, value] : j.items()) {
    EXPECT_LT(previous, key);
    previous = key;
  }
  // Round trip through the reader.
  c.use_rslora = true;
  c.use_dora = true;
  c.init = "gaussian";
  c.rank_pattern = {{"v_proj", 4}};
  c.alpha_pattern = {{"q_proj", 2.5}};
  const LoraConfig back = lora_config_from_peft_json(nlohmann::json(lora_config_to_peft_json(c)), "test");
  EXPECT_EQ(back.r, 8);
  EXPECT_EQ(back.alpha, 16);
  EXPECT_EQ(back.dropout, 0.05);
  EXPECT_TRUE(back.use_rslora);
  EXPECT_TRUE(back.use_dora);
  EXPECT_EQ(back.init, "gaussian");
  EXPECT_EQ(back.rank_pattern, c.rank_pattern);
  EXPECT_EQ(back.alpha_pattern, c.alpha_pattern);
  EXPECT_EQ(back.target_modules, c.target_modules);
  EXPECT_EQ(back.base_model_name_or_path, "my-org/tiny-llama-2layer");
}

TEST(LoraConfig, ReadsTheMinimalConfigAndTargetModulesForms) {
  const LoraConfig minimal = lora_config_from_peft_json({{"peft_type", "LORA"}}, "a.json");
  EXPECT_EQ(minimal.r, 8);
  EXPECT_EQ(minimal.alpha, 8);
  EXPECT_EQ(minimal.target_modules, (std::vector<std::string>{"q_proj", "v_proj"}));  // PEFT's Llama default
  const LoraConfig all = lora_config_from_peft_json({{"peft_type", "LORA"}, {"target_modules", "all-linear"}}, "a.json");
  EXPECT_EQ(all.target_modules, (std::vector<std::string>{"all-linear"}));
  const LoraConfig regex =
      lora_config_from_peft_json({{"peft_type", "LORA"}, {"target_modules", ".*\\.q_proj"}}, "a.json");
  ASSERT_TRUE(regex.target_regex.has_value());
  EXPECT_TRUE(regex.targets("model.layers.0.self_attn.q_proj"));
  // Unknown keys from newer PEFT versions are ignored, as PEFT does.
  EXPECT_NO_THROW(lora_config_from_peft_json({{"peft_type", "LORA"}, {"kasa_config", nullptr}, {"peft_version", "0.20.1"}},
                                             "a.json"));
}

TEST(LoraConfig, ConfigsHoneCannotHonourAreOneLineErrorsNamingTheKey) {
  struct Case {
    nlohmann::json json;
    const char* expected;
  };
  const Case cases[] = {
      {{{"peft_type", "IA3"}}, "peft_type \"IA3\" is not supported"},
      {{{"r", 8}}, "missing \"peft_type\""},
      {{{"peft_type", "LORA"}, {"fan_in_fan_out", true}}, "\"fan_in_fan_out\" = true"},
      {{{"peft_type", "LORA"}, {"bias", "all"}}, "\"bias\" = \"all\""},
      {{{"peft_type", "LORA"}, {"lora_bias", true}}, "\"lora_bias\" = true"},
      {{{"peft_type", "LORA"}, {"modules_to_save", {"lm_head"}}}, "\"modules_to_save\""},
      {{{"peft_type", "LORA"}, {"layers_to_transform", {0}}}, "\"layers_to_transform\""},
      {{{"peft_type", "LORA"}, {"r", "eight"}}, "\"r\" has the wrong type"},
      {{{"peft_type", "LORA"}, {"r", 0}}, "lora.r must be a positive integer"},
      {{{"peft_type", "LORA"}, {"init_lora_weights", "pissa"}}, "\"init_lora_weights\" = \"pissa\""},
      {{{"peft_type", "LORA"}, {"rank_pattern", {{"q_proj(", 4}}}}, "rank_pattern: 'q_proj(' is not a valid regular expression"},
      {{{"peft_type", "LORA"}, {"alpha_pattern", {{"q_proj", -1}}}}, "alpha_pattern['q_proj'] must be positive"},
  };
  for (const Case& c : cases) {
    const std::string message = error_of([&] { lora_config_from_peft_json(c.json, "dir/adapter_config.json"); });
    EXPECT_NE(message.find("dir/adapter_config.json: "), std::string::npos) << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << "got: " << message << "\nexpected: " << c.expected;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace hone
