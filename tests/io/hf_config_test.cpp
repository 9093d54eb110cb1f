// config.json -> ModelConfig for llama, mistral and qwen2: transformers' defaults, real configs,
// overrides, the unsupported values that must fail (with the key named), and the way back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hone/io/hf_config.h"
#include "hone/util/error.h"
#include "temp_dir.h"

namespace hone {
namespace {

std::string config_file(const std::string& name) {
  return std::string(HONE_TEST_DATA_DIR) + "/hf_configs/" + name;
}

ModelConfig parse(const nlohmann::json& j) { return parse_model_config(j.dump(), "config.json"); }

// Parsing `j` fails with one line naming config.json and containing every needle.
void expect_config_error(const nlohmann::json& j, const std::vector<std::string>& needles) {
  try {
    parse(j);
    ADD_FAILURE() << "expected an error for " << j.dump();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("config.json: ", 0), 0u) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& needle : needles) EXPECT_NE(msg.find(needle), std::string::npos) << msg << "\nlacks: " << needle;
  }
}

nlohmann::json tiny(const std::string& model_type) {
  return {{"model_type", model_type}, {"hidden_size", 64},      {"intermediate_size", 128},
          {"num_hidden_layers", 4},   {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"vocab_size", 100}};
}

TEST(HfConfig, LlamaDefaultsMatchTransformers) {
  const ModelConfig c = parse({{"model_type", "llama"}});
  EXPECT_EQ(c.vocab_size, 32000);
  EXPECT_EQ(c.hidden_size, 4096);
  EXPECT_EQ(c.intermediate_size, 11008);
  EXPECT_EQ(c.num_hidden_layers, 32);
  EXPECT_EQ(c.num_attention_heads, 32);
  EXPECT_EQ(c.num_key_value_heads, 32);  // None -> num_attention_heads
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.max_position_embeddings, 2048);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-6);
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000.0);
  EXPECT_EQ(c.rope_scaling.type, HfRopeScalingType::kDefault);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.bos_token_ids, std::vector<int64_t>{1});
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{2});
  EXPECT_FALSE(c.pad_token_id.has_value());
  EXPECT_FALSE(c.qkv_bias());
  EXPECT_FALSE(c.o_proj_bias());
  EXPECT_FALSE(c.sliding_window_for_layer(31).has_value());
  EXPECT_TRUE(c.unused_keys.empty());
  EXPECT_EQ(c, default_model_config("llama"));
}

TEST(HfConfig, MistralDefaultsMatchTransformers) {
  const ModelConfig c = parse({{"model_type", "mistral"}});
  EXPECT_EQ(c.intermediate_size, 14336);
  EXPECT_EQ(c.num_key_value_heads, 8);  // MistralConfig's own default, unlike llama
  EXPECT_EQ(c.max_position_embeddings, 131072);
  EXPECT_EQ(c.sliding_window, 4096);
  EXPECT_EQ(c.sliding_window_for_layer(0), 4096);
  EXPECT_FALSE(c.qkv_bias());
  EXPECT_EQ(c.bos_token_ids, std::vector<int64_t>{1});
  // An explicit null turns the window off (Mistral 7B v0.2 and later) and means MHA for kv heads.
  const ModelConfig off = parse({{"model_type", "mistral"}, {"sliding_window", nullptr}, {"num_key_value_heads", nullptr}});
  EXPECT_FALSE(off.sliding_window_for_layer(0).has_value());
  EXPECT_EQ(off.num_key_value_heads, 32);
}

TEST(HfConfig, Qwen2DefaultsMatchTransformers) {
  const ModelConfig c = parse({{"model_type", "qwen2"}});
  EXPECT_EQ(c.vocab_size, 151936);
  EXPECT_EQ(c.intermediate_size, 22016);
  EXPECT_EQ(c.num_key_value_heads, 32);
  EXPECT_EQ(c.max_position_embeddings, 32768);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_TRUE(c.bos_token_ids.empty());
  EXPECT_TRUE(c.eos_token_ids.empty());
  EXPECT_TRUE(c.qkv_bias());
  EXPECT_FALSE(c.o_proj_bias());
  EXPECT_FALSE(c.use_sliding_window);
  EXPECT_EQ(c.max_window_layers, 28);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) EXPECT_FALSE(c.sliding_window_for_layer(i).has_value()) << i;
}

TEST(HfConfig, ReadsLlama32Config) {
  const ModelConfig c = load_model_config(config_file("llama-3.2-1b.json"));
  EXPECT_EQ(c.model_type, "llama");
  EXPECT_EQ(c.hidden_size, 2048);
  EXPECT_EQ(c.num_key_value_heads, 8);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.vocab_size, 128256);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
  EXPECT_EQ(c.rope_scaling.type, HfRopeScalingType::kLlama3);
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 32.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.low_freq_factor, 1.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.high_freq_factor, 4.0);
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.bos_token_ids, std::vector<int64_t>{128000});
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  EXPECT_TRUE(c.unused_keys.empty()) << c.unused_keys.front();
}

TEST(HfConfig, ReadsQwen25Config) {
  const ModelConfig c = load_model_config(config_file("qwen2.5-0.5b-instruct.json"));
  EXPECT_EQ(c.num_attention_heads, 14);
  EXPECT_EQ(c.num_key_value_heads, 2);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_TRUE(c.qkv_bias());
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
  // sliding_window 32768 is in the file but use_sliding_window is false: no layer uses it.
  EXPECT_EQ(c.sliding_window, 32768);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) EXPECT_FALSE(c.sliding_window_for_layer(i).has_value()) << i;
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{151645});
}

TEST(HfConfig, ReadsMistralAndSmolLMConfigs) {
  const ModelConfig mistral = load_model_config(config_file("mistral-7b-v0.1.json"));
  EXPECT_EQ(mistral.max_position_embeddings, 32768);
  EXPECT_EQ(mistral.sliding_window_for_layer(31), 4096);
  const ModelConfig smol = load_model_config(config_file("smollm2-135m.json"));
  EXPECT_EQ(smol.num_attention_heads, 9);
  EXPECT_EQ(smol.num_key_value_heads, 3);
  EXPECT_EQ(smol.head_dim, 64);
  EXPECT_DOUBLE_EQ(smol.rope_theta, 100000.0);  // an integer in the file
  // Keys hone neither reads nor knows to be inert are kept for `hone inspect`, not dropped.
  EXPECT_EQ(smol.unused_keys, (std::vector<std::string>{"is_llama_config", "rope_interleaved"}));
}

TEST(HfConfig, LoadsFromAModelFolder) {
  testing::TempDir dir("config_folder");
  save_model_config(dir.file("config.json"), default_model_config("qwen2"));
  EXPECT_EQ(load_model_config(dir.path()).model_type, "qwen2");
}

TEST(HfConfig, OverridesGqaMqaHeadDimAndTokenIds) {
  nlohmann::json j = tiny("llama");
  j["num_key_value_heads"] = 1;
  j["head_dim"] = 32;  // explicit head_dim wins over hidden / heads
  j["eos_token_id"] = {7, 8, 9};
  j["bos_token_id"] = nullptr;
  j["pad_token_id"] = 0;
  j["attention_bias"] = true;
  j["tie_word_embeddings"] = true;
  j["rms_norm_eps"] = 1e-5;
  j["max_position_embeddings"] = 256;
  const ModelConfig c = parse(j);
  EXPECT_EQ(c.num_key_value_heads, 1);
  EXPECT_EQ(c.head_dim, 32);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{7, 8, 9}));
  EXPECT_TRUE(c.bos_token_ids.empty());
  EXPECT_EQ(c.pad_token_id, 0);
  EXPECT_TRUE(c.qkv_bias());
  EXPECT_TRUE(c.o_proj_bias());
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.max_position_embeddings, 256);
  j["num_key_value_heads"] = 2;
  EXPECT_EQ(parse(j).num_key_value_heads, 2);
}

TEST(HfConfig, RopeScalingForms) {
  nlohmann::json j = tiny("llama");
  j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};  // legacy key
  ModelConfig c = parse(j);
  EXPECT_EQ(c.rope_scaling.type, HfRopeScalingType::kLinear);
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 2.0);
  j["rope_scaling"] = {{"rope_type", "default"}};
  EXPECT_EQ(parse(j).rope_scaling.type, HfRopeScalingType::kDefault);
  j["rope_scaling"] = nullptr;
  EXPECT_EQ(parse(j).rope_scaling.type, HfRopeScalingType::kDefault);
  // transformers 5 keeps rope_theta inside rope_parameters.
  j.erase("rope_scaling");
  j["rope_parameters"] = {{"rope_type", "linear"}, {"factor", 4.0}, {"rope_theta", 50000.0}};
  c = parse(j);
  EXPECT_EQ(c.rope_scaling.type, HfRopeScalingType::kLinear);
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 4.0);
  EXPECT_DOUBLE_EQ(c.rope_theta, 50000.0);
  // The rope_type of mistral and qwen2 configs is read too (transformers applies it to all three).
  nlohmann::json q = tiny("qwen2");
  q["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 3.0}};
  EXPECT_DOUBLE_EQ(parse(q).rope_scaling.factor, 3.0);
  // Extra keys inside rope_scaling are recorded, not fatal.
  j.erase("rope_parameters");
  j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 2.0}, {"finetuned", true}};
  EXPECT_EQ(parse(j).unused_keys, std::vector<std::string>{"rope_scaling.finetuned"});
}

TEST(HfConfig, Qwen2SlidingWindowLayers) {
  nlohmann::json j = tiny("qwen2");
  j["use_sliding_window"] = true;
  j["sliding_window"] = 16;
  j["max_window_layers"] = 2;
  ModelConfig c = parse(j);
  EXPECT_FALSE(c.sliding_window_for_layer(1).has_value());
  EXPECT_EQ(c.sliding_window_for_layer(2), 16);
  EXPECT_EQ(c.sliding_window_for_layer(3), 16);
  EXPECT_THROW(c.sliding_window_for_layer(4), Error);
  j["layer_types"] = {"sliding_attention", "full_attention", "full_attention", "sliding_attention"};
  c = parse(j);
  EXPECT_EQ(c.sliding_window_for_layer(0), 16);
  EXPECT_FALSE(c.sliding_window_for_layer(2).has_value());
}

TEST(HfConfig, UnsupportedValuesNameTheKey) {
  auto with = [](nlohmann::json j, const std::string& key, nlohmann::json value) {
    j[key] = std::move(value);
    return j;
  };
  const nlohmann::json llama = tiny("llama");
  expect_config_error(with(llama, "model_type", "gemma"), {"'model_type'", "'gemma'", supported_model_types()});
  expect_config_error(nlohmann::json{{"hidden_size", 8}}, {"'model_type'", "missing"});
  expect_config_error(with(llama, "hidden_act", "gelu"), {"'hidden_act'", "'gelu'"});
  expect_config_error(with(llama, "rope_scaling", {{"rope_type", "yarn"}, {"factor", 4.0}}),
                      {"'rope_scaling.rope_type'", "'yarn'", "default, linear and llama3"});
  expect_config_error(with(llama, "rope_scaling", {{"type", "dynamic"}, {"factor", 2.0}}),
                      {"'rope_scaling.type'", "'dynamic'"});
  expect_config_error(with(llama, "rope_scaling", {{"factor", 2.0}}), {"'rope_scaling.rope_type'", "missing"});
  expect_config_error(with(llama, "rope_scaling", {{"rope_type", "linear"}}), {"'rope_scaling.factor'", "missing"});
  expect_config_error(with(llama, "rope_scaling",
                           {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0}}),
                      {"'rope_scaling.original_max_position_embeddings'", "missing"});
  expect_config_error(with(llama, "rope_scaling",
                           {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 4.0}, {"high_freq_factor", 4.0},
                            {"original_max_position_embeddings", 8192}}),
                      {"'rope_scaling.high_freq_factor'", "must exceed low_freq_factor"});
  expect_config_error(with(llama, "rope_scaling", "linear"), {"'rope_scaling'", "expected an object"});
  expect_config_error(with(with(llama, "rope_scaling", {{"rope_type", "linear"}, {"factor", 2.0}}), "rope_parameters",
                           {{"rope_type", "linear"}, {"factor", 4.0}}),
                      {"'rope_parameters'", "disagrees with rope_scaling"});
  expect_config_error(with(with(llama, "rope_theta", 10000.0), "rope_parameters",
                           {{"rope_type", "default"}, {"rope_theta", 500000.0}}),
                      {"'rope_parameters.rope_theta'", "disagrees"});
  expect_config_error(with(llama, "mlp_bias", true), {"'mlp_bias'", "true"});
  expect_config_error(with(llama, "pretraining_tp", 2), {"'pretraining_tp'", "2"});
  expect_config_error(with(llama, "attention_dropout", 0.1), {"'attention_dropout'", "0.1"});
  expect_config_error(with(llama, "partial_rotary_factor", 0.5), {"'partial_rotary_factor'", "0.5"});
  expect_config_error(with(llama, "quantization_config", {{"quant_method", "gptq"}}), {"'quantization_config'"});
  expect_config_error(with(llama, "num_key_value_heads", 3), {"'num_key_value_heads'", "3 does not divide"});
  nlohmann::json qwen_without_kv = tiny("qwen2");
  qwen_without_kv.erase("num_key_value_heads");  // Qwen2Config's default of 32 then applies
  expect_config_error(qwen_without_kv, {"'num_key_value_heads'", "32 (the qwen2 default, as the key is absent)"});
  expect_config_error(with(with(llama, "num_attention_heads", 5), "num_key_value_heads", 5),
                      {"'num_attention_heads'", "does not divide hidden_size"});
  expect_config_error(with(llama, "head_dim", 15), {"'head_dim'", "even"});
  expect_config_error(with(llama, "hidden_size", -4), {"'hidden_size'", "positive"});
  expect_config_error(with(llama, "hidden_size", "64"), {"'hidden_size'", "expected an integer", "\"64\""});
  expect_config_error(with(llama, "vocab_size", 1.5), {"'vocab_size'", "expected an integer"});
  expect_config_error(with(llama, "rms_norm_eps", 0), {"'rms_norm_eps'", "positive"});
  expect_config_error(with(llama, "tie_word_embeddings", "yes"), {"'tie_word_embeddings'", "true or false"});
  expect_config_error(with(llama, "eos_token_id", {1, "x"}), {"'eos_token_id'", "list of integers"});
  expect_config_error(with(tiny("mistral"), "sliding_window", 0), {"'sliding_window'", "positive"});
  expect_config_error(with(tiny("qwen2"), "layer_types", {"full_attention"}), {"'layer_types'", "list of 4"});
  expect_config_error(with(tiny("qwen2"), "layer_types", {"full_attention", "chunked", "full_attention", "full_attention"}),
                      {"'layer_types'", "\"chunked\""});
  try {
    parse_model_config("{\"model_type\": ", "some/config.json");
    ADD_FAILURE() << "expected a JSON error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("some/config.json: not valid JSON"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_model_config("[1]", "config.json"), Error);
  EXPECT_THROW(load_model_config("/nonexistent/config.json"), Error);
}

TEST(HfConfig, InertAndFamilyForeignKeys) {
  nlohmann::json j = tiny("mistral");
  j["use_cache"] = false;
  j["transformers_version"] = "4.99";
  j["initializer_range"] = 0.5;
  j["architectures"] = {"MistralForCausalLM"};
  j["attention_bias"] = true;  // transformers' Mistral has no bias whatever this says
  j["brand_new_option"] = 3;
  const ModelConfig c = parse(j);
  EXPECT_FALSE(c.qkv_bias());
  EXPECT_EQ(c.unused_keys, (std::vector<std::string>{"attention_bias", "brand_new_option"}));
  // transformers 5 spells torch_dtype "dtype".
  j["dtype"] = "float16";
  EXPECT_EQ(parse(j).torch_dtype, "float16");
}

TEST(HfConfig, RoundTripsThroughJson) {
  std::vector<ModelConfig> configs = {load_model_config(config_file("llama-3.2-1b.json")),
                                      load_model_config(config_file("qwen2.5-0.5b-instruct.json")),
                                      load_model_config(config_file("mistral-7b-v0.1.json")),
                                      default_model_config("llama"), default_model_config("mistral"),
                                      default_model_config("qwen2")};
  nlohmann::json custom = tiny("qwen2");
  custom["use_sliding_window"] = true;
  custom["sliding_window"] = 8;
  custom["layer_types"] = {"sliding_attention", "full_attention", "sliding_attention", "full_attention"};
  custom["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 2.5}};
  custom["eos_token_id"] = {3, 4};
  custom["pad_token_id"] = 5;
  configs.push_back(parse(custom));
  nlohmann::json biased = tiny("llama");
  biased["attention_bias"] = true;
  configs.push_back(parse(biased));
  for (const ModelConfig& original : configs) {
    const std::string text = model_config_to_json(original);
    const ModelConfig back = parse_model_config(text, "written/config.json");
    EXPECT_EQ(back, original) << text;
    EXPECT_TRUE(back.unused_keys.empty()) << text;
  }
  // What transformers needs to pick the class is there.
  const nlohmann::json written = nlohmann::json::parse(model_config_to_json(default_model_config("qwen2")));
  EXPECT_EQ(written["architectures"][0], "Qwen2ForCausalLM");
  EXPECT_EQ(written["model_type"], "qwen2");
}

}  // namespace
}  // namespace hone
