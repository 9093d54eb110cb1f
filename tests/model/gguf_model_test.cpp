// GGUF <-> DecoderModel: every tests/data/models variant GGUF can express, exported to GGUF and
// loaded back, gives the logits of its Hugging Face folder (f32 exactly up to float rounding,
// f16/bf16/q8_0 within the bounds their rounding implies); GGUF -> HF -> GGUF is lossless; the
// file carries what llama.cpp expects; bad files end in one-line errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "hone/autograd/grad_mode.h"
#include "hone/io/gguf_file.h"
#include "hone/io/gguf_llama.h"
#include "hone/io/gguf_writer.h"
#include "hone/model/gguf_model.h"
#include "hone/model/load_model.h"
#include "io/temp_dir.h"
#include "support/golden.h"

namespace hone {
namespace {

using testing::Golden;
using testing::TempDir;

std::string model_dir(const std::string& name) { return std::string(HONE_TEST_DATA_DIR) + "/models/" + name; }

Tensor logits_of(DecoderModel& model, const Tensor& ids) {
  NoGradGuard no_grad;
  return model.logits(model.hidden_states(ids));
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const auto x = a.to_doubles(), y = b.to_doubles();
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

double max_abs(const Tensor& a) {
  double worst = 0;
  for (double v : a.to_doubles()) worst = std::max(worst, std::abs(v));
  return worst;
}

struct ExportCase {
  const char* variant;
  DType dtype;
  // Bound on max |logit difference| relative to max |logit| (f32: an absolute 1e-5, as only
  // the order of summation may differ). Measured worst cases over these models: f16 1.1e-3,
  // bf16 6.5e-3, q8_0 2.2e-2 of the largest logit; the bounds leave a factor of 2-3.
  double relative_bound;
};

void PrintTo(const ExportCase& c, std::ostream* os) { *os << c.variant << " " << dtype_name(c.dtype); }

class GgufExport : public ::testing::TestWithParam<ExportCase> {};

TEST_P(GgufExport, LogitsMatchTheHuggingFaceFolder) {
  const ExportCase c = GetParam();
  TempDir dir("gguf_export");
  const std::string path = dir.file("model.gguf");
  auto hf = load_hf_model(model_dir(c.variant));
  GgufExportOptions options;
  options.dtype = c.dtype;
  save_gguf_model(*hf, path, options);

  LoadReport report;
  auto gguf = load_model(path, {}, &report);
  EXPECT_TRUE(report.unexpected_tensors.empty());
  EXPECT_TRUE(report.unused_config_keys.empty());
  const Tensor ids = Golden("model_" + std::string(c.variant)).get("ids");
  const Tensor expected = logits_of(*hf, ids);
  const Tensor actual = logits_of(*gguf, ids);
  const double diff = max_abs_diff(actual, expected), scale = max_abs(expected);
  RecordProperty("max_abs_logit_diff", std::to_string(diff));
  if (c.dtype == DType::F32) {
    EXPECT_LE(diff, 1e-5) << c.variant;
  } else {
    EXPECT_LE(diff, c.relative_bound * scale) << c.variant << " " << dtype_name(c.dtype) << ": max diff " << diff
                                                << " of max |logit| " << scale;
    std::printf("[ measured ] %s %s: max |logit diff| %.3g = %.3g of max |logit|\n", c.variant, dtype_name(c.dtype),
                diff, diff / scale);
    EXPECT_GT(diff, 0.0) << "a narrower type should change the logits a little";
  }
  // The configuration survives (mistral reads back as llama, which is what it computes).
  const DecoderConfig& a = hf->config();
  const DecoderConfig& b = gguf->config();
  EXPECT_EQ(b.model_type, find_gguf_family(model_family(a.model_type).gguf_architecture)->model_type);
  EXPECT_EQ(b.qk_norm, a.qk_norm);
  EXPECT_EQ(b.num_heads, a.num_heads);
  EXPECT_EQ(b.num_kv_heads, a.num_kv_heads);
  EXPECT_EQ(b.head_dim, a.head_dim);
  EXPECT_EQ(b.tie_word_embeddings, a.tie_word_embeddings);
  EXPECT_EQ(b.qkv_bias, a.qkv_bias);
  EXPECT_EQ(b.o_bias, a.o_bias);
  EXPECT_EQ(b.rope.scaling.type, a.rope.scaling.type);
  EXPECT_NEAR(b.rms_norm_eps, a.rms_norm_eps, 1e-12);
  ASSERT_FALSE(b.eos_token_ids.empty());
  EXPECT_EQ(b.eos_token_ids[0], a.eos_token_ids[0]);
}

std::string case_name(const ::testing::TestParamInfo<ExportCase>& info) {
  return std::string(info.param.variant) + "_" + dtype_name(info.param.dtype);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, GgufExport,
    ::testing::Values(ExportCase{"llama_gqa", DType::F32, 0}, ExportCase{"llama_bias_linear_headdim", DType::F32, 0},
                      ExportCase{"mistral", DType::F32, 0}, ExportCase{"qwen2", DType::F32, 0},
                      ExportCase{"llama_gqa_bf16", DType::F32, 0}, ExportCase{"llama_gqa", DType::F16, 3e-3},
                      ExportCase{"llama_bias_linear_headdim", DType::F16, 3e-3}, ExportCase{"mistral", DType::F16, 3e-3},
                      ExportCase{"qwen2", DType::F16, 3e-3}, ExportCase{"llama_gqa", DType::BF16, 2e-2},
                      ExportCase{"qwen2", DType::BF16, 2e-2}, ExportCase{"llama_gqa", DType::Q8_0, 5e-2},
                      ExportCase{"llama_bias_linear_headdim", DType::Q8_0, 5e-2}, ExportCase{"qwen2", DType::Q8_0, 5e-2},
                      ExportCase{"qwen3", DType::F32, 0}, ExportCase{"qwen3", DType::F16, 3e-3},
                      ExportCase{"qwen3", DType::BF16, 2e-2}, ExportCase{"qwen3", DType::Q8_0, 5e-2},
                      ExportCase{"gemma3", DType::F32, 0}, ExportCase{"gemma3", DType::F16, 3e-3},
                      ExportCase{"gemma3", DType::BF16, 2e-2}, ExportCase{"gemma3", DType::Q8_0, 5e-2}),
    case_name);

TEST(GgufModel, FileHasWhatLlamaCppExpects) {
  TempDir dir("gguf_layout");
  auto hf = load_hf_model(model_dir("llama_bias_linear_headdim"));
  GgufExportOptions options;
  options.dtype = DType::Q8_0;
  options.name = "tiny";
  save_gguf_model(*hf, dir.file("m.gguf"), options);
  const GgufFile file = GgufFile::open(dir.file("m.gguf"));
  const GgufMetadata& m = file.metadata();
  EXPECT_EQ(m.get_string("general.architecture"), "llama");
  EXPECT_EQ(m.get_string("general.name"), "tiny");
  EXPECT_EQ(m.get_uint("general.file_type"), 7u);
  EXPECT_EQ(m.get_uint("general.quantization_version"), 2u);
  EXPECT_EQ(m.get_uint("llama.attention.key_length"), 16u);  // head_dim 16 * 4 heads != hidden 32
  EXPECT_EQ(m.get_string("llama.rope.scaling.type"), "linear");
  // Norms and biases stay f32; matrices whose rows are whole q8_0 blocks are q8_0; down_proj's
  // rows of 48 are not, so it falls back to f16 as convert_hf_to_gguf.py does.
  EXPECT_EQ(file.info("blk.0.attn_norm.weight").dtype, DType::F32);
  EXPECT_EQ(file.info("blk.0.attn_q.bias").dtype, DType::F32);
  EXPECT_EQ(file.info("blk.0.attn_q.weight").dtype, DType::Q8_0);
  EXPECT_EQ(file.info("token_embd.weight").dtype, DType::Q8_0);
  EXPECT_EQ(file.info("blk.1.ffn_down.weight").dtype, DType::F16);
  EXPECT_EQ(file.info("blk.1.ffn_down.weight").shape, (Shape{32, 48}));
  EXPECT_TRUE(file.contains("output.weight"));
  EXPECT_TRUE(file.contains("blk.0.attn_output.bias"));
}

TEST(GgufModel, Qwen3FileHasWhatLlamaCppExpects) {
  TempDir dir("gguf_qwen3");
  auto hf = load_hf_model(model_dir("qwen3"));
  save_gguf_model(*hf, dir.file("m.gguf"));
  const GgufFile file = GgufFile::open(dir.file("m.gguf"));
  EXPECT_EQ(file.metadata().get_string("general.architecture"), "qwen3");
  EXPECT_EQ(file.metadata().get_uint("qwen3.attention.key_length"), 16u);  // head_dim 16 * 4 heads != hidden 32
  // Per-head norms under llama.cpp's names, f32, [head_dim]; q/k rows in rotate-half order as is.
  EXPECT_EQ(file.info("blk.1.attn_q_norm.weight").shape, (Shape{16}));
  EXPECT_EQ(file.info("blk.1.attn_k_norm.weight").dtype, DType::F32);
  EXPECT_EQ(file.get("blk.1.attn_k_norm.weight").to_doubles(), hf->layers()[1].k_norm.to_doubles());
  EXPECT_EQ(file.get("blk.0.attn_q.weight").to_doubles(), hf->layers()[0].q_proj.weight.to_doubles());
  EXPECT_FALSE(file.contains("output.weight"));  // tied
  EXPECT_FALSE(file.contains("blk.0.attn_q.bias"));
}

// As convert_hf_to_gguf.py's Gemma3Model writes it: norms hold 1 + w, llama.cpp's names for the
// four block norms, the sliding window as a key (its layout and local RoPE base are fixed there).
TEST(GgufModel, Gemma3FileHasWhatLlamaCppExpects) {
  TempDir dir("gguf_gemma3");
  auto hf = load_hf_model(model_dir("gemma3"));
  save_gguf_model(*hf, dir.file("m.gguf"));
  const GgufFile file = GgufFile::open(dir.file("m.gguf"));
  const GgufMetadata& m = file.metadata();
  EXPECT_EQ(m.get_string("general.architecture"), "gemma3");
  EXPECT_EQ(m.get_uint("gemma3.attention.sliding_window"), 4u);
  EXPECT_EQ(m.get_string("gemma3.rope.scaling.type"), "linear");
  EXPECT_EQ(m.get_uint("gemma3.attention.key_length"), 16u);
  auto plus_one = [](const Tensor& t) {
    std::vector<double> v = t.to_doubles();
    for (double& x : v) x = double(float(x + 1.0));
    return v;
  };
  const DecoderLayer& l = hf->layers()[2];
  EXPECT_EQ(file.get("blk.2.attn_norm.weight").to_doubles(), plus_one(l.input_layernorm));
  EXPECT_EQ(file.get("blk.2.post_attention_norm.weight").to_doubles(), plus_one(l.post_attention_layernorm));
  EXPECT_EQ(file.get("blk.2.ffn_norm.weight").to_doubles(), plus_one(l.pre_feedforward_layernorm));
  EXPECT_EQ(file.get("blk.2.post_ffw_norm.weight").to_doubles(), plus_one(l.post_feedforward_layernorm));
  EXPECT_EQ(file.get("blk.2.attn_q_norm.weight").to_doubles(), plus_one(l.q_norm));
  EXPECT_EQ(file.get("output_norm.weight").to_doubles(), plus_one(hf->final_norm()));
  EXPECT_EQ(file.get("blk.2.attn_q.weight").to_doubles(), l.q_proj.weight.to_doubles());  // not permuted
  EXPECT_FALSE(file.contains("output.weight"));
  // Read back: the sliding layout, local RoPE and attention scale llama.cpp assumes.
  const DecoderConfig c = load_model(dir.file("m.gguf"))->config();
  EXPECT_EQ(c.layer_windows, (std::vector<int64_t>{4, 4, 4, 4, 4, 0}));
  ASSERT_TRUE(c.sliding_rope.has_value());
  EXPECT_EQ(c.sliding_rope->theta, 10000.0);
  EXPECT_EQ(c.query_pre_attn_scalar, 16.0);

  // What GGUF cannot say is refused, naming what.
  try {
    save_gguf_model(*load_hf_model(model_dir("gemma3_layer_types")), dir.file("bad.gguf"));
    FAIL() << "gemma3_layer_types was exported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer_types"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.gguf")));
}

TEST(GgufModel, QkRowsArePermutedForLlamaOnly) {
  TempDir dir("gguf_permute");
  for (const char* variant : {"llama_gqa", "qwen2"}) {
    auto hf = load_hf_model(model_dir(variant));
    save_gguf_model(*hf, dir.file(std::string(variant) + ".gguf"));
    const GgufFile file = GgufFile::open(dir.file(std::string(variant) + ".gguf"));
    const Tensor q = hf->layers()[0].q_proj.weight, k = hf->layers()[0].k_proj.weight;
    const Tensor gq = file.get("blk.0.attn_q.weight"), gk = file.get("blk.0.attn_k.weight");
    if (std::string(variant) == "qwen2") {
      EXPECT_EQ(gq.to_doubles(), q.to_doubles());
      EXPECT_EQ(gk.to_doubles(), k.to_doubles());
      EXPECT_EQ(file.metadata().get_string("general.architecture"), "qwen2");
    } else {
      EXPECT_NE(gq.to_doubles(), q.to_doubles());
      EXPECT_EQ(gq.to_doubles(), permute_qk_for_gguf(q, hf->config().num_heads).to_doubles());
      EXPECT_EQ(gk.to_doubles(), permute_qk_for_gguf(k, hf->config().num_kv_heads).to_doubles());
    }
  }
}

TEST(GgufModel, GgufToHfToGgufIsLossless) {
  TempDir dir("gguf_roundtrip");
  for (const char* variant : {"llama_bias_linear_headdim", "qwen2", "qwen3", "gemma3"}) {
    const std::string first = dir.file(std::string(variant) + "_1.gguf"), second = dir.file(std::string(variant) + "_2.gguf");
    const std::string folder = dir.file(std::string(variant) + "_hf");
    save_gguf_model(*load_hf_model(model_dir(variant)), first);
    save_hf_model(*load_model(first), folder);
    save_gguf_model(*load_model(folder), second);
    const GgufFile a = GgufFile::open(first), b = GgufFile::open(second);
    EXPECT_EQ(a.metadata(), b.metadata()) << variant;
    ASSERT_EQ(a.tensors().size(), b.tensors().size());
    for (const GgufTensorInfo& info : a.tensors()) {
      ASSERT_TRUE(b.contains(info.name)) << info.name;
      EXPECT_EQ(b.info(info.name).dtype, info.dtype) << info.name;
      EXPECT_EQ(b.get(info.name).to_doubles(), a.get(info.name).to_doubles()) << variant << " " << info.name;
    }
  }
}

TEST(GgufModel, KeepStoredDtypeKeepsF16Matrices) {
  TempDir dir("gguf_keep");
  GgufExportOptions options;
  options.dtype = DType::F16;
  save_gguf_model(*load_hf_model(model_dir("llama_gqa")), dir.file("m.gguf"), options);
  LoadOptions keep;
  keep.keep_stored_dtype = true;
  LoadReport report;
  auto lean = load_model(dir.file("m.gguf"), keep, &report);
  EXPECT_EQ(report.stored_dtype, "f16");
  EXPECT_EQ(lean->layers()[0].q_proj.weight.dtype(), DType::F16);
  EXPECT_EQ(lean->layers()[0].input_layernorm.dtype(), DType::F32);
  auto wide = load_model(dir.file("m.gguf"));
  const Tensor ids = Golden("model_llama_gqa").get("ids");
  EXPECT_LE(max_abs_diff(logits_of(*lean, ids), logits_of(*wide, ids)), 1e-5);
}

TEST(GgufModel, WhatGgufCannotExpressIsRefused) {
  TempDir dir("gguf_refuse");
  auto model = load_hf_model(model_dir("llama_tied_llama3_mqa"));
  try {
    save_gguf_model(*model, dir.file("m.gguf"));
    FAIL() << "llama3 rope scaling was exported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("llama3"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.gguf")));
  GgufExportOptions q4;
  q4.dtype = DType::Q4_0;
  EXPECT_THROW(save_gguf_model(*load_hf_model(model_dir("llama_gqa")), dir.file("q.gguf"), q4), Error);
}

// Rewrites a valid export with one change, for the bad-file cases.
std::string error_of(const std::string& path) {
  try {
    load_model(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(GgufModel, BadModelFilesNameTheFileAndTheTensor) {
  TempDir dir("gguf_bad");
  const std::string good = dir.file("good.gguf");
  save_gguf_model(*load_hf_model(model_dir("llama_gqa")), good);
  const GgufFile file = GgufFile::open(good);
  auto rewrite = [&](const std::string& name, const std::function<void(NamedTensors&)>& edit) {
    NamedTensors tensors;
    for (const GgufTensorInfo& info : file.tensors()) tensors.emplace_back(info.name, file.get(info.name));
    edit(tensors);
    const std::string path = dir.file(name);
    save_gguf(path, file.metadata(), tensors);
    return path;
  };
  const std::string missing = rewrite("missing.gguf", [](NamedTensors& t) {
    t.erase(std::remove_if(t.begin(), t.end(), [](auto& p) { return p.first == "blk.1.ffn_up.weight"; }), t.end());
  });
  std::string e = error_of(missing);
  EXPECT_NE(e.find(missing), std::string::npos) << e;
  EXPECT_NE(e.find("blk.1.ffn_up.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("model.layers.1.mlp.up_proj.weight"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;

  const std::string misshaped = rewrite("shape.gguf", [](NamedTensors& t) {
    for (auto& [name, tensor] : t)
      if (name == "blk.0.attn_v.weight") tensor = Tensor::zeros({8, 32});
  });
  e = error_of(misshaped);
  EXPECT_NE(e.find("blk.0.attn_v.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("[8, 32]"), std::string::npos) << e;

  const std::string extra = rewrite("extra.gguf", [](NamedTensors& t) { t.emplace_back("blk.0.surprise.weight", Tensor::zeros({2})); });
  LoadReport report;
  load_model(extra, {}, &report);
  EXPECT_EQ(report.unexpected_tensors, std::vector<std::string>{"blk.0.surprise.weight"});

  e = error_of(dir.file("nothing-here.gguf"));
  EXPECT_NE(e.find("no such file"), std::string::npos) << e;
  const std::string text = dir.file("notes.txt");
  { std::ofstream(text) << "hello"; }
  e = error_of(text);
  EXPECT_NE(e.find("not a model"), std::string::npos) << e;
}

TEST(LoadModel, DetectsTheFormatFromTheDisk) {
  TempDir dir("load_model");
  EXPECT_EQ(detect_model_format(model_dir("qwen2")), ModelFormat::kHuggingFace);
  save_gguf_model(*load_hf_model(model_dir("qwen2")), dir.file("no-extension"));
  EXPECT_EQ(detect_model_format(dir.file("no-extension")), ModelFormat::kGguf);
  try {
    detect_model_format(model_dir("qwen2") + "/config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("give the folder"), std::string::npos) << e.what();
  }
}

TEST(LoadModel, StopIdsJoinConfigAndGenerationConfig) {
  TempDir dir("stop_ids");
  std::filesystem::copy(model_dir("llama_tied_llama3_mqa"), dir.path(), std::filesystem::copy_options::recursive);
  auto model = load_model(dir.path());
  EXPECT_EQ(generation_stop_ids(dir.path(), model->config(), nullptr), (std::vector<int32_t>{2, 3}));
  { std::ofstream(dir.file("generation_config.json")) << R"({"eos_token_id": [3, 7], "do_sample": false})"; }
  EXPECT_EQ(generation_stop_ids(dir.path(), model->config(), nullptr), (std::vector<int32_t>{2, 3, 7}));
  { std::ofstream(dir.file("generation_config.json")) << R"({"eos_token_id": "x"})"; }
  EXPECT_THROW(generation_stop_ids(dir.path(), model->config(), nullptr), Error);
  EXPECT_FALSE(load_model_tokenizer(dir.path()).has_value());
}

}  // namespace
}  // namespace hone
