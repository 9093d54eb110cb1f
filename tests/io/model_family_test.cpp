// The model-family table: every row is consistent (names unique, each GGUF architecture loads as
// exactly one family, tensor names map both ways), and the families beyond Llama/Mistral/Qwen2
// read their config.json with transformers' defaults and options.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "hone/io/gguf_llama.h"
#include "hone/io/hf_config.h"
#include "hone/io/model_family.h"
#include "hone/util/error.h"

namespace hone {
namespace {

ModelConfig parse(const nlohmann::json& j) { return parse_model_config(j.dump(), "config.json"); }

TEST(ModelFamily, RowsAreConsistent) {
  std::set<std::string> types, owned;
  for (const ModelFamily& f : model_families()) {
    EXPECT_TRUE(types.insert(f.model_type).second) << f.model_type;
    EXPECT_EQ(&model_family(f.model_type), &f);
    EXPECT_FALSE(std::string(f.architecture).empty()) << f.model_type;
    if (f.owns_gguf_architecture) {
      EXPECT_TRUE(owned.insert(f.gguf_architecture).second) << f.gguf_architecture << " owned twice";
      EXPECT_EQ(find_gguf_family(f.gguf_architecture), &f);
    }
    // A family that does not own its GGUF architecture is read back as the one that does.
    EXPECT_NE(find_gguf_family(f.gguf_architecture), nullptr) << f.model_type;
    // Every layer tensor maps to GGUF and back, under the family's own names.
    for (const TensorNamePair& p : f.layer_tensors) {
      const std::string hf = "model.layers.7." + std::string(p.hf) + ".weight";
      const auto gguf = gguf_tensor_name_from_hf(hf, f);
      ASSERT_TRUE(gguf.has_value()) << f.model_type << " " << hf;
      EXPECT_EQ(*gguf, "blk.7." + std::string(p.gguf) + ".weight");
      EXPECT_EQ(hf_tensor_name_from_gguf(*gguf, f), hf);
    }
    // Defaults parse back to themselves, and config.json round-trips.
    const ModelConfig d = default_model_config(f.model_type);
    EXPECT_EQ(parse({{"model_type", f.model_type}}), d) << f.model_type;
    EXPECT_EQ(parse_model_config(model_config_to_json(d), "written.json"), d) << f.model_type;
  }
  EXPECT_EQ(find_model_family("gpt2"), nullptr);
  EXPECT_THROW(model_family("gpt2"), Error);
  EXPECT_EQ(supported_model_types().find("llama, mistral, qwen2"), 0u);
}

TEST(ModelFamily, Qwen3DefaultsMatchTransformers) {
  const ModelConfig c = parse({{"model_type", "qwen3"}});
  EXPECT_EQ(c.vocab_size, 151936);
  EXPECT_EQ(c.intermediate_size, 22016);
  EXPECT_EQ(c.num_key_value_heads, 32);
  EXPECT_EQ(c.head_dim, 128);  // Qwen3Config's own, not hidden_size / heads
  EXPECT_EQ(c.max_position_embeddings, 32768);
  EXPECT_TRUE(c.bos_token_ids.empty());
  EXPECT_FALSE(c.qkv_bias());
  EXPECT_FALSE(c.o_proj_bias());
  EXPECT_FALSE(c.sliding_window_for_layer(31).has_value());
  EXPECT_TRUE(c.family().qk_norm);
  EXPECT_FALSE(c.family().gguf_permutes_qk);
  EXPECT_TRUE(c.unused_keys.empty());
}

TEST(ModelFamily, Qwen3ReadsBiasHeadDimAndSlidingLayers) {
  nlohmann::json j = {{"model_type", "qwen3"}, {"hidden_size", 64},      {"intermediate_size", 96},
                      {"num_hidden_layers", 4}, {"num_attention_heads", 8}, {"num_key_value_heads", 2},
                      {"head_dim", 16},         {"attention_bias", true},  {"use_sliding_window", true},
                      {"sliding_window", 32},   {"max_window_layers", 3},  {"vocab_size", 100}};
  const ModelConfig c = parse(j);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_TRUE(c.qkv_bias());
  EXPECT_TRUE(c.o_proj_bias());  // Qwen3's attention_bias covers o_proj too (unlike Qwen2)
  EXPECT_FALSE(c.sliding_window_for_layer(2).has_value());
  EXPECT_EQ(c.sliding_window_for_layer(3), 32);
  EXPECT_EQ(parse_model_config(model_config_to_json(c), "written.json"), c);
  const nlohmann::json written = nlohmann::json::parse(model_config_to_json(c));
  EXPECT_EQ(written["architectures"][0], "Qwen3ForCausalLM");
  // The per-head norms have GGUF names only in the qwen3 row.
  EXPECT_EQ(gguf_tensor_name_from_hf("model.layers.2.self_attn.q_norm.weight", c.family()), "blk.2.attn_q_norm.weight");
  EXPECT_EQ(gguf_tensor_name_from_hf("model.layers.2.self_attn.q_norm.weight"), std::nullopt);
}

TEST(ModelFamily, Gemma3DefaultsMatchTransformers) {
  const ModelConfig c = parse({{"model_type", "gemma3_text"}});
  EXPECT_EQ(c.vocab_size, 262208);
  EXPECT_EQ(c.hidden_size, 2304);
  EXPECT_EQ(c.num_hidden_layers, 26);
  EXPECT_EQ(c.num_key_value_heads, 4);
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.hidden_act, "gelu_pytorch_tanh");
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.bos_token_ids, std::vector<int64_t>{2});
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{1});
  EXPECT_EQ(c.pad_token_id, 0);
  EXPECT_EQ(c.query_pre_attn_scalar, 256.0);
  EXPECT_EQ(c.rope_local_base_freq, 10000.0);
  EXPECT_DOUBLE_EQ(c.rope_theta, 1000000.0);
  // Every 6th layer full, the others within 4096 positions.
  for (int64_t i = 0; i < 26; ++i)
    EXPECT_EQ(c.sliding_window_for_layer(i), (i + 1) % 6 == 0 ? std::nullopt : std::optional<int64_t>(4096)) << i;
  EXPECT_TRUE(c.unused_keys.empty());
}

TEST(ModelFamily, Gemma3ReadsLayerTypesAndRefusesWhatHoneLacks) {
  nlohmann::json j = {{"model_type", "gemma3_text"}, {"hidden_size", 64}, {"num_hidden_layers", 3},
                      {"num_attention_heads", 4},   {"num_key_value_heads", 1}, {"head_dim", 32},
                      {"sliding_window", 8},        {"query_pre_attn_scalar", 48},
                      {"layer_types", {"full_attention", "sliding_attention", "full_attention"}},
                      {"cache_implementation", "hybrid"}, {"_sliding_window_pattern", 6}};
  const ModelConfig c = parse(j);
  EXPECT_FALSE(c.sliding_window_for_layer(0).has_value());
  EXPECT_EQ(c.sliding_window_for_layer(1), 8);
  EXPECT_EQ(c.query_pre_attn_scalar, 48.0);
  EXPECT_TRUE(c.unused_keys.empty());
  EXPECT_EQ(parse_model_config(model_config_to_json(c), "written.json"), c);
  EXPECT_EQ(nlohmann::json::parse(model_config_to_json(c))["hidden_activation"], "gelu_pytorch_tanh");
  auto error_of = [&](const char* key, nlohmann::json value) {
    nlohmann::json bad = j;
    bad[key] = std::move(value);
    try {
      parse(bad);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("final_logit_softcapping", 30.0).find("'final_logit_softcapping'"), std::string::npos);
  EXPECT_NE(error_of("attn_logit_softcapping", 50.0).find("'attn_logit_softcapping'"), std::string::npos);
  EXPECT_NE(error_of("use_bidirectional_attention", true).find("'use_bidirectional_attention'"), std::string::npos);
  EXPECT_NE(error_of("hidden_activation", "gelu").find("'hidden_activation'"), std::string::npos);
  EXPECT_NE(error_of("sliding_window_pattern", 0).find("'sliding_window_pattern'"), std::string::npos);
  EXPECT_NE(error_of("query_pre_attn_scalar", -1).find("'query_pre_attn_scalar'"), std::string::npos);
}

}  // namespace
}  // namespace hone
