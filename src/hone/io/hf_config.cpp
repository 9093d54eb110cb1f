#include "hone/io/hf_config.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "hone/util/atomic_file.h"
#include "hone/util/error.h"
#include "hone/util/json_text.h"

namespace hone {

using nlohmann::json;

namespace {

// Keys that never change what the model computes, whichever family: bookkeeping, caching,
// initialisation (hone loads weights), and generation defaults (generation_config.json governs).
const std::set<std::string> kInertKeys = {
    "architectures", "transformers_version", "_name_or_path", "use_cache", "initializer_range",
    "output_attentions", "output_hidden_states", "return_dict", "torchscript", "use_bfloat16",
    "_attn_implementation", "_attn_implementation_autoset", "id2label", "label2id", "tokenizer_class",
    "is_decoder", "is_encoder_decoder", "add_cross_attention", "tie_encoder_decoder", "chunk_size_feed_forward",
    "problem_type", "prefix", "task_specific_params", "finetuning_task", "max_length", "min_length", "do_sample",
    "early_stopping", "num_beams", "num_beam_groups", "temperature", "top_k", "top_p", "typical_p",
    "repetition_penalty", "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size",
    "bad_words_ids", "num_return_sequences", "output_scores", "return_dict_in_generate", "forced_bos_token_id",
    "forced_eos_token_id", "remove_invalid_values", "exponential_decay_length_penalty", "suppress_tokens",
    "begin_suppress_tokens", "diversity_penalty", "sep_token_id", "decoder_start_token_id", "cross_attention_hidden_size",
    "pruned_heads", "tf_legacy_loss", "cache_implementation",
};

std::string show(const json& value) { return value.dump(); }

// Reads keys of one JSON object, remembering which were consumed; every message names the
// source file and the key.
class KeyReader {
 public:
  KeyReader(const json& object, std::string source, std::string prefix = "")
      : object_(object), source_(std::move(source)), prefix_(std::move(prefix)) {}

  bool has(const std::string& key) const { return object_.contains(key); }
  // Present and not null.
  bool given(const std::string& key) const { return has(key) && !object_.at(key).is_null(); }
  const json& raw(const std::string& key) {
    used_.insert(key);
    return object_.at(key);
  }
  void mark_used(const std::string& key) { used_.insert(key); }
  bool used(const std::string& key) const { return used_.count(key) != 0; }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    HONE_FAIL(source_, ": key '", prefix_, key, "': ", problem);
  }

  int64_t integer(const std::string& key, int64_t fallback) {
    if (!given(key)) return mark_used(key), fallback;
    const json& v = raw(key);
    if (!v.is_number_integer()) fail(key, "expected an integer, got " + show(v));
    return v.get<int64_t>();
  }
  // Sizes and counts: a damaged config (num_hidden_layers 2^63 - 1) must fail here, naming the
  // key, rather than in an allocation sized by it.
  int64_t positive(const std::string& key, int64_t fallback) {
    const int64_t v = integer(key, fallback);
    if (v <= 0) fail(key, cat("expected a positive integer, got ", v));
    if (v > kMaxSize) fail(key, cat(v, " is beyond any model hone can hold (at most ", kMaxSize, ")"));
    return v;
  }
  static constexpr int64_t kMaxSize = int64_t(1) << 31;
  std::optional<int64_t> optional_integer(const std::string& key, std::optional<int64_t> fallback) {
    if (!has(key)) return fallback;
    if (raw(key).is_null()) return std::nullopt;
    return integer(key, 0);
  }
  double number(const std::string& key, double fallback) {
    if (!given(key)) return mark_used(key), fallback;
    const json& v = raw(key);
    if (!v.is_number()) fail(key, "expected a number, got " + show(v));
    return v.get<double>();
  }
  double positive_number(const std::string& key, double fallback) {
    const double v = number(key, fallback);
    if (!(v > 0)) fail(key, cat("expected a positive number, got ", v));
    return v;
  }
  bool boolean(const std::string& key, bool fallback) {
    if (!given(key)) return mark_used(key), fallback;
    const json& v = raw(key);
    if (!v.is_boolean()) fail(key, "expected true or false, got " + show(v));
    return v.get<bool>();
  }
  std::string string(const std::string& key, const std::string& fallback) {
    if (!given(key)) return mark_used(key), fallback;
    const json& v = raw(key);
    if (!v.is_string()) fail(key, "expected a string, got " + show(v));
    return v.get<std::string>();
  }
  // An int, a list of ints, or null, as transformers allows for bos/eos_token_id.
  std::vector<int64_t> token_ids(const std::string& key, std::vector<int64_t> fallback) {
    if (!has(key)) return fallback;
    const json& v = raw(key);
    if (v.is_null()) return {};
    if (v.is_number_integer()) return {v.get<int64_t>()};
    if (!v.is_array()) fail(key, "expected an integer, a list of integers or null, got " + show(v));
    std::vector<int64_t> ids;
    for (const auto& id : v) {
      if (!id.is_number_integer()) fail(key, "expected a list of integers, got " + show(v));
      ids.push_back(id.get<int64_t>());
    }
    return ids;
  }

  // Keys of this object not consumed, with this reader's prefix.
  void collect_unused(std::vector<std::string>& out) const {
    for (const auto& [key, value] : object_.items())
      if (!used(key) && !kInertKeys.count(key)) out.push_back(prefix_ + key);
  }

 private:
  const json& object_;
  std::string source_;
  std::string prefix_;
  std::set<std::string> used_;
};

// One rope_scaling / rope_parameters object. rope_theta inside it (transformers 5) is returned
// through `theta` when present.
HfRopeScaling parse_rope(const json& object, const std::string& source, const std::string& key,
                       std::optional<double>& theta, std::vector<std::string>& unused) {
  if (!object.is_object()) HONE_FAIL(source, ": key '", key, "': expected an object or null, got ", show(object));
  KeyReader r(object, source, key + ".");
  if (r.given("rope_theta")) theta = r.positive_number("rope_theta", 0);
  // transformers reads "rope_type" and falls back to the legacy "type".
  std::string type;
  if (r.given("rope_type")) type = r.string("rope_type", "");
  else if (r.given("type")) type = r.string("type", "");
  else r.fail("rope_type", "missing (expected default, linear or llama3)");
  r.mark_used("type");
  r.mark_used("rope_type");
  HfRopeScaling rope;
  if (type == "default") {
    rope.type = HfRopeScalingType::kDefault;
  } else if (type == "linear") {
    rope.type = HfRopeScalingType::kLinear;
    if (!r.given("factor")) r.fail("factor", "missing (linear rope scaling needs it)");
    rope.factor = r.positive_number("factor", 1);
  } else if (type == "llama3") {
    rope.type = HfRopeScalingType::kLlama3;
    for (const char* needed : {"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"})
      if (!r.given(needed)) r.fail(needed, "missing (llama3 rope scaling needs it)");
    rope.factor = r.positive_number("factor", 1);
    rope.low_freq_factor = r.positive_number("low_freq_factor", 1);
    rope.high_freq_factor = r.positive_number("high_freq_factor", 4);
    rope.original_max_position_embeddings = r.positive("original_max_position_embeddings", 1);
    if (!(rope.high_freq_factor > rope.low_freq_factor))
      r.fail("high_freq_factor", cat("must exceed low_freq_factor (", rope.low_freq_factor, "), got ",
                                     rope.high_freq_factor));
  } else {
    r.fail(object.contains("rope_type") ? "rope_type" : "type",
           "unsupported value '" + type + "' (hone implements default, linear and llama3)");
  }
  r.collect_unused(unused);
  return rope;
}

std::vector<bool> resolve_sliding_layers(const ModelConfig& c) {
  std::vector<bool> layers(size_t(c.num_hidden_layers), false);
  if (!c.sliding_window || !c.use_sliding_window) return layers;
  const SlidingPolicy policy = c.family().sliding;
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    if (policy == SlidingPolicy::kPattern)
      layers[size_t(i)] = (i + 1) % c.sliding_window_pattern != 0;
    else
      layers[size_t(i)] = policy == SlidingPolicy::kEveryLayer || i >= c.max_window_layers;
  }
  return layers;
}

}  // namespace

std::optional<int64_t> ModelConfig::sliding_window_for_layer(int64_t layer) const {
  HONE_CHECK(layer >= 0 && layer < num_hidden_layers, "layer ", layer, " out of range for a model with ",
             num_hidden_layers, " layers");
  // qwen2 keeps sliding_window in the file even when use_sliding_window turns it off.
  if (!use_sliding_window || !sliding_window || !sliding_layers.at(size_t(layer))) return std::nullopt;
  return sliding_window;
}

bool ModelConfig::qkv_bias() const {
  const ModelFamily* f = find_model_family(model_type);
  if (!f) return false;
  switch (f->bias) {
    case BiasPolicy::kNone: return false;
    case BiasPolicy::kQkv: return true;
    case BiasPolicy::kAttentionBias: return attention_bias;
  }
  return false;
}

bool ModelConfig::o_proj_bias() const {
  const ModelFamily* f = find_model_family(model_type);
  return f && f->bias == BiasPolicy::kAttentionBias && attention_bias;
}

ModelConfig default_model_config(const std::string& model_type) {
  const ModelFamily& f = model_family(model_type);
  const FamilyDefaults& d = f.defaults;
  ModelConfig c;
  c.model_type = model_type;
  c.vocab_size = d.vocab_size;
  c.hidden_size = d.hidden_size;
  c.intermediate_size = d.intermediate_size;
  c.num_hidden_layers = d.num_hidden_layers;
  c.num_attention_heads = d.num_attention_heads;
  c.num_key_value_heads = d.num_key_value_heads > 0 ? d.num_key_value_heads : d.num_attention_heads;
  c.max_position_embeddings = d.max_position_embeddings;
  c.rms_norm_eps = d.rms_norm_eps;
  c.rope_theta = d.rope_theta;
  if (d.bos_token_id) c.bos_token_ids = {*d.bos_token_id};
  if (d.eos_token_id) c.eos_token_ids = {*d.eos_token_id};
  c.pad_token_id = d.pad_token_id;
  c.tie_word_embeddings = d.tie_word_embeddings;
  c.hidden_act = d.hidden_act;
  c.sliding_window = d.sliding_window;
  c.use_sliding_window = (f.sliding == SlidingPolicy::kEveryLayer || f.sliding == SlidingPolicy::kPattern) &&
                         d.sliding_window.has_value();
  c.max_window_layers = d.max_window_layers;
  c.sliding_window_pattern = d.sliding_window_pattern;
  c.query_pre_attn_scalar = d.query_pre_attn_scalar;
  if (f.sliding_layers_own_rope) c.rope_local_base_freq = d.rope_local_base_freq;
  c.head_dim = d.head_dim > 0 ? d.head_dim : c.hidden_size / c.num_attention_heads;
  c.sliding_layers = resolve_sliding_layers(c);
  return c;
}

ModelConfig parse_model_config(const std::string& json_text, const std::string& source) {
  const json j = parse_json(json_text, source);
  HONE_CHECK(j.is_object(), source, ": not a JSON object");
  KeyReader r(j, source);

  if (!r.given("model_type")) r.fail("model_type", "missing (expected one of " + supported_model_types() + ")");
  const std::string type = r.string("model_type", "");
  const ModelFamily* family = find_model_family(type);
  if (!family) r.fail("model_type", "unsupported value '" + type + "' (hone implements " + supported_model_types() + ")");
  const ModelFamily& f = *family;
  const ModelConfig d = default_model_config(type);
  ModelConfig c = d;
  std::vector<std::string> unused;

  c.vocab_size = r.positive("vocab_size", d.vocab_size);
  c.hidden_size = r.positive("hidden_size", d.hidden_size);
  c.intermediate_size = r.positive("intermediate_size", d.intermediate_size);
  c.num_hidden_layers = r.positive("num_hidden_layers", d.num_hidden_layers);
  c.num_attention_heads = r.positive("num_attention_heads", d.num_attention_heads);
  // An explicit null means "same as attention heads" in every family; only an absent key takes
  // the family default (8 for mistral; none, i.e. the attention heads, for llama).
  if (r.has("num_key_value_heads") && r.raw("num_key_value_heads").is_null())
    c.num_key_value_heads = c.num_attention_heads;
  else
    c.num_key_value_heads = r.positive("num_key_value_heads", f.defaults.num_key_value_heads > 0
                                                                  ? d.num_key_value_heads : c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    r.fail("num_key_value_heads", cat(c.num_key_value_heads, r.has("num_key_value_heads") ? "" : cat(" (the ", type,
                                      " default, as the key is absent)"), " does not divide num_attention_heads (",
                                      c.num_attention_heads, ")"));
  if (r.given("head_dim")) {
    c.head_dim = r.positive("head_dim", 0);
  } else if (f.defaults.head_dim > 0) {  // a family whose config class sets its own (Qwen3: 128)
    r.mark_used("head_dim");
    c.head_dim = f.defaults.head_dim;
  } else {
    r.mark_used("head_dim");
    if (c.hidden_size % c.num_attention_heads != 0)
      r.fail("num_attention_heads", cat(c.num_attention_heads, " does not divide hidden_size (", c.hidden_size,
                                        ") and no head_dim is given"));
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  if (c.head_dim % 2 != 0) r.fail("head_dim", cat("rotary embeddings need an even head size, got ", c.head_dim));
  c.max_position_embeddings = r.positive("max_position_embeddings", d.max_position_embeddings);
  c.rms_norm_eps = r.positive_number("rms_norm_eps", d.rms_norm_eps);
  c.tie_word_embeddings = r.boolean("tie_word_embeddings", d.tie_word_embeddings);
  c.hidden_act = r.string(f.activation_key, d.hidden_act);
  if (c.hidden_act != "silu" && c.hidden_act != "swish" && c.hidden_act != "gelu_pytorch_tanh")
    r.fail(f.activation_key, "unsupported value '" + c.hidden_act + "' (hone implements silu and gelu_pytorch_tanh)");
  c.bos_token_ids = r.token_ids("bos_token_id", d.bos_token_ids);
  c.eos_token_ids = r.token_ids("eos_token_id", d.eos_token_ids);
  c.pad_token_id = r.optional_integer("pad_token_id", d.pad_token_id);
  // transformers 5 renamed torch_dtype to dtype.
  c.torch_dtype = r.string(r.has("torch_dtype") ? "torch_dtype" : "dtype", "");
  r.mark_used("dtype");

  // RoPE: top-level rope_theta and rope_scaling (transformers 4), or rope_parameters holding
  // both (transformers 5). When a file has both forms they must agree.
  std::optional<double> theta_top, theta_in_scaling, theta_in_parameters;
  if (r.given("rope_theta")) theta_top = r.positive_number("rope_theta", d.rope_theta);
  r.mark_used("rope_theta");
  std::optional<HfRopeScaling> from_scaling, from_parameters;
  if (r.given("rope_scaling"))
    from_scaling = parse_rope(r.raw("rope_scaling"), source, "rope_scaling", theta_in_scaling, unused);
  r.mark_used("rope_scaling");
  if (r.given("rope_parameters"))
    from_parameters = parse_rope(r.raw("rope_parameters"), source, "rope_parameters", theta_in_parameters, unused);
  r.mark_used("rope_parameters");
  if (from_scaling && from_parameters && !(*from_scaling == *from_parameters))
    r.fail("rope_parameters", "disagrees with rope_scaling; hone cannot tell which one the model was trained with");
  std::optional<double> theta;
  for (const auto& [key, value] : {std::pair{"rope_theta", theta_top}, std::pair{"rope_scaling.rope_theta", theta_in_scaling},
                                   std::pair{"rope_parameters.rope_theta", theta_in_parameters}}) {
    if (!value) continue;
    if (theta && *theta != *value) r.fail(key, cat(*value, " disagrees with another rope_theta in the file (", *theta, ")"));
    theta = value;
  }
  c.rope_theta = theta.value_or(d.rope_theta);
  c.rope_scaling = from_parameters.value_or(from_scaling.value_or(HfRopeScaling{}));
  if (r.given("partial_rotary_factor") && r.number("partial_rotary_factor", 1.0) != 1.0)
    r.fail("partial_rotary_factor", "unsupported value " + show(r.raw("partial_rotary_factor")) +
                                        " (hone rotates the whole head)");
  r.mark_used("partial_rotary_factor");

  // Values that would change the result and that hone does not implement.
  if (r.given("quantization_config"))
    r.fail("quantization_config", "pre-quantized checkpoints are not supported (load the unquantized model)");
  const double attention_dropout = r.number("attention_dropout", 0.0);
  if (attention_dropout != 0.0)
    r.fail("attention_dropout", cat("unsupported value ", attention_dropout,
                                    " (hone's attention has no dropout; set it to 0.0)"));

  if (f.bias == BiasPolicy::kAttentionBias) c.attention_bias = r.boolean("attention_bias", false);
  if (f.reads_llama_mlp_keys) {
    if (r.boolean("mlp_bias", false)) r.fail("mlp_bias", "unsupported value true (hone's MLP has no bias)");
    const int64_t tp = r.integer("pretraining_tp", 1);
    if (tp != 1) r.fail("pretraining_tp", cat("unsupported value ", tp, " (hone implements 1)"));
  }
  const bool reads_layer_types = f.sliding == SlidingPolicy::kFromMaxWindowLayers || f.sliding == SlidingPolicy::kPattern;
  switch (f.sliding) {
    case SlidingPolicy::kNone: break;
    case SlidingPolicy::kEveryLayer:
      c.sliding_window = r.optional_integer("sliding_window", d.sliding_window);
      c.use_sliding_window = c.sliding_window.has_value();
      break;
    case SlidingPolicy::kFromMaxWindowLayers:
      c.use_sliding_window = r.boolean("use_sliding_window", false);
      c.sliding_window = r.optional_integer("sliding_window", d.sliding_window);
      c.max_window_layers = r.integer("max_window_layers", d.max_window_layers);
      if (c.max_window_layers < 0) r.fail("max_window_layers", cat("expected a non-negative integer, got ",
                                                                   c.max_window_layers));
      break;
    case SlidingPolicy::kPattern:
      c.sliding_window = r.optional_integer("sliding_window", d.sliding_window);
      c.use_sliding_window = c.sliding_window.has_value();
      // transformers >= 4.53 keeps it as _sliding_window_pattern beside the layer_types it implies.
      c.sliding_window_pattern = r.positive(r.has("sliding_window_pattern") ? "sliding_window_pattern"
                                                                            : "_sliding_window_pattern",
                                            d.sliding_window_pattern);
      r.mark_used("sliding_window_pattern");
      r.mark_used("_sliding_window_pattern");
      break;
  }
  if (f.scales_by_query_pre_attn_scalar)
    c.query_pre_attn_scalar = r.positive_number("query_pre_attn_scalar", d.query_pre_attn_scalar);
  if (f.sliding_layers_own_rope)
    c.rope_local_base_freq = r.positive_number("rope_local_base_freq", *d.rope_local_base_freq);
  if (f.softcapping_keys) {
    for (const char* key : {"final_logit_softcapping", "attn_logit_softcapping"}) {
      if (r.given(key)) r.fail(key, "unsupported value " + show(r.raw(key)) + " (hone implements null: no softcapping)");
      r.mark_used(key);
    }
    if (r.boolean("use_bidirectional_attention", false))
      r.fail("use_bidirectional_attention", "unsupported value true (hone's attention is causal)");
  }
  if (c.sliding_window && *c.sliding_window <= 0)
    r.fail("sliding_window", cat("expected a positive integer or null, got ", *c.sliding_window));
  c.sliding_layers = resolve_sliding_layers(c);
  if (reads_layer_types && r.given("layer_types")) {
    const json& types = r.raw("layer_types");
    if (!types.is_array() || types.size() != size_t(c.num_hidden_layers))
      r.fail("layer_types", cat("expected a list of ", c.num_hidden_layers, " layer types, got ", show(types)));
    for (size_t i = 0; i < types.size(); ++i) {
      const bool sliding = types[i] == "sliding_attention";
      if (!sliding && types[i] != "full_attention")
        r.fail("layer_types", "unsupported entry " + show(types[i]) +
                                  " (expected full_attention or sliding_attention)");
      c.sliding_layers[i] = sliding;
    }
  }
  if (reads_layer_types) r.mark_used("layer_types");

  r.collect_unused(unused);
  std::sort(unused.begin(), unused.end());
  c.unused_keys = unused;
  return c;
}

ModelConfig load_model_config(const std::string& path) {
  std::error_code ec;
  const std::string file =
      std::filesystem::is_directory(path, ec) ? (std::filesystem::path(path) / "config.json").string() : path;
  return parse_model_config(read_file(file), file);
}

std::string model_config_to_json(const ModelConfig& c) {
  const ModelFamily* family = find_model_family(c.model_type);
  HONE_CHECK(family, "cannot write config.json for model_type '", c.model_type, "'");
  const ModelFamily& f = *family;
  auto ids = [](const std::vector<int64_t>& v) -> nlohmann::ordered_json {
    if (v.empty()) return nullptr;
    if (v.size() == 1) return v[0];
    return v;
  };
  nlohmann::ordered_json j;
  j["architectures"] = {f.architecture};
  j["model_type"] = c.model_type;
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_key_value_heads"] = c.num_key_value_heads;
  j["head_dim"] = c.head_dim;
  j[f.activation_key] = c.hidden_act;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["rope_theta"] = c.rope_theta;
  switch (c.rope_scaling.type) {
    case HfRopeScalingType::kDefault: j["rope_scaling"] = nullptr; break;
    case HfRopeScalingType::kLinear:
      j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", c.rope_scaling.factor}};
      break;
    case HfRopeScalingType::kLlama3:
      j["rope_scaling"] = {{"rope_type", "llama3"},
                           {"factor", c.rope_scaling.factor},
                           {"low_freq_factor", c.rope_scaling.low_freq_factor},
                           {"high_freq_factor", c.rope_scaling.high_freq_factor},
                           {"original_max_position_embeddings", c.rope_scaling.original_max_position_embeddings}};
      break;
  }
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["bos_token_id"] = ids(c.bos_token_ids);
  j["eos_token_id"] = ids(c.eos_token_ids);
  j["pad_token_id"] = c.pad_token_id ? nlohmann::ordered_json(*c.pad_token_id) : nlohmann::ordered_json(nullptr);
  if (!c.torch_dtype.empty()) j["torch_dtype"] = c.torch_dtype;
  j["attention_dropout"] = 0.0;
  if (f.bias == BiasPolicy::kAttentionBias) j["attention_bias"] = c.attention_bias;
  if (f.reads_llama_mlp_keys) {
    j["mlp_bias"] = false;
    j["pretraining_tp"] = 1;
  }
  auto window = c.sliding_window ? nlohmann::ordered_json(*c.sliding_window) : nlohmann::ordered_json(nullptr);
  if (f.sliding == SlidingPolicy::kEveryLayer) j["sliding_window"] = window;
  if (f.scales_by_query_pre_attn_scalar) j["query_pre_attn_scalar"] = c.query_pre_attn_scalar;
  if (f.sliding_layers_own_rope) j["rope_local_base_freq"] = c.rope_local_base_freq.value_or(0.0);
  if (f.softcapping_keys) {
    j["final_logit_softcapping"] = nullptr;
    j["attn_logit_softcapping"] = nullptr;
  }
  if (f.sliding == SlidingPolicy::kPattern) {
    j["sliding_window"] = window;
    j["sliding_window_pattern"] = c.sliding_window_pattern;
  }
  if (f.sliding == SlidingPolicy::kFromMaxWindowLayers) {
    j["use_sliding_window"] = c.use_sliding_window;
    j["sliding_window"] = window;
    j["max_window_layers"] = c.max_window_layers;
  }
  if (f.sliding == SlidingPolicy::kFromMaxWindowLayers || f.sliding == SlidingPolicy::kPattern) {
    // Written out so a layout that differs from what max_window_layers implies survives.
    auto types = nlohmann::ordered_json::array();
    for (bool sliding : c.sliding_layers) types.push_back(sliding ? "sliding_attention" : "full_attention");
    j["layer_types"] = types;
  }
  j["use_cache"] = true;
  return j.dump(2) + "\n";
}

void save_model_config(const std::string& path, const ModelConfig& config) {
  const std::string text = model_config_to_json(config);
  write_file_atomically(path, text.data(), text.size());
}

}  // namespace hone
