// The llama.cpp GGUF LoRA export, read back with hone's GGUF reader: metadata (general.type
// adapter, adapter.type lora, one alpha, the architecture), llama.cpp's tensor names and
// shapes (lora_a ne {in, r}, lora_b ne {r, out}), and for every module (alpha / r) B A equal to
// hone's delta s B A once the q/k row permutation is undone. DoRA is refused.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/io/gguf_file.h"
#include "hone/io/gguf_llama.h"
#include "hone/io/gguf_lora.h"
#include "hone/io/gguf_writer.h"
#include "hone/model/hf_model.h"
#include "hone/tensor/kernels_matmul.h"
#include "hone/tools/export_adapter_gguf.h"
#include "io/temp_dir.h"
#include "peft/peft_test_data.h"
#include "support/golden.h"

namespace hone {
namespace {

// scale * B A in f32.
Tensor delta(const Tensor& a, const Tensor& b, double scale) {
  const Tensor af = a.to(DType::F32), bf = b.to(DType::F32);
  Tensor d = Tensor::zeros({b.dim(0), a.dim(1)});
  kernels::gemm<float>(false, false, b.dim(0), a.dim(1), a.dim(0), float(scale), bf.data<float>(), a.dim(0),
                       af.data<float>(), a.dim(1), 0.0f, d.data<float>(), a.dim(1));
  return d;
}

struct ExportCase {
  const char* adapter;
  const char* model;
  const char* arch;
  bool permuted;
};

class ExportAdapterGguf : public ::testing::TestWithParam<ExportCase> {};

TEST_P(ExportAdapterGguf, FileHasLlamaCppNamesShapesAlphaAndTheSameDelta) {
  const ExportCase c = GetParam();
  testing::TempDir dir("export_gguf");
  ExportAdapterOptions options;
  options.model_dir = testing::model_dir(c.model);
  options.adapter_dir = testing::peft_dir(c.adapter);
  options.out_path = dir.file("adapter.gguf");
  const ExportAdapterReport report = export_adapter_gguf(options);

  auto model = load_hf_model(options.model_dir);
  const LoraModel lora = LoraModel::load(*model, options.adapter_dir);
  EXPECT_EQ(report.tensor_pairs, int64_t(lora.adapters().size()));

  const GgufFile file = GgufFile::open(options.out_path);
  EXPECT_EQ(file.metadata().get_string("general.type"), "adapter");
  EXPECT_EQ(file.metadata().get_string("adapter.type"), "lora");
  EXPECT_EQ(file.metadata().get_string("general.architecture"), c.arch);
  EXPECT_EQ(file.metadata().at("adapter.lora.alpha").type(), GgufType::F32);
  EXPECT_EQ(file.metadata().get_float("adapter.lora.alpha"), lora.config().alpha);
  EXPECT_EQ(file.tensors().size(), 2 * lora.adapters().size());

  const GgufLoraAdapter back = read_gguf_lora(options.out_path);
  ASSERT_EQ(back.pairs.size(), lora.adapters().size());
  const DecoderConfig& dc = model->config();
  for (size_t i = 0; i < back.pairs.size(); ++i) {
    const auto& [module, adapter] = lora.adapters()[i];
    const GgufLoraPair& pair = back.pairs[i];
    const std::string gguf_name = *gguf_tensor_name_from_hf(module->name + ".weight");
    EXPECT_EQ(pair.base_tensor, gguf_name);
    // ggml order: lora_a ne {in, r}, lora_b ne {r, out}; rank is lora_b's ne[0].
    const int64_t r = adapter->rank(), in = module->in_features(), out = module->out_features();
    EXPECT_EQ(file.info(gguf_name + ".lora_a").shape, Shape({r, in})) << gguf_name;
    EXPECT_EQ(file.info(gguf_name + ".lora_b").shape, Shape({out, r})) << gguf_name;
    EXPECT_EQ(file.info(gguf_name + ".lora_a").dtype, DType::F32);
    // What llama.cpp computes: (alpha / rank) * B A, in its own (permuted) row order.
    Tensor llama_delta = delta(pair.a, pair.b, back.alpha / double(pair.b.dim(1)));
    const std::string leaf = module->leaf_name();
    if (c.permuted && leaf == "q_proj") llama_delta = unpermute_qk_from_gguf(llama_delta, dc.num_heads);
    if (c.permuted && leaf == "k_proj") llama_delta = unpermute_qk_from_gguf(llama_delta, dc.num_kv_heads);
    const Tensor hone_delta = delta(adapter->lora_A(), adapter->lora_B(), adapter->scaling());
    testing::expect_close(llama_delta, hone_delta, 1e-6, 1e-5, std::string(c.adapter) + " delta of " + module->name);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Adapters, ExportAdapterGguf,
    ::testing::Values(ExportCase{"all_linear_f32", "llama_gqa", "llama", true},
                      // rsLoRA and per-module alpha/rank folded into lora_b
                      ExportCase{"qv_rslora_patterns_bf16", "llama_gqa", "llama", true}),
    [](const auto& info) { return std::string(info.param.adapter); });

TEST(ExportAdapterGgufTool, PermutesQAndKRowsLikeTheBaseWeights) {
  // The q_proj lora_b rows in the file are the base-weight permutation of hone's (folded) B.
  testing::TempDir dir("export_perm");
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  const LoraModel lora = LoraModel::load(*model, testing::peft_dir("all_linear_f32"));
  const GgufLoraAdapter gguf = gguf_lora_from(lora, *model);
  const auto& [q_module, q_adapter] = lora.adapters()[0];
  const auto& [k_module, k_adapter] = lora.adapters()[1];
  ASSERT_EQ(q_module->leaf_name(), "q_proj");
  ASSERT_EQ(k_module->leaf_name(), "k_proj");
  EXPECT_EQ(gguf.pairs[0].b.to_doubles(), permute_qk_for_gguf(q_adapter->lora_B(), 4).to_doubles());
  EXPECT_EQ(gguf.pairs[1].b.to_doubles(), permute_qk_for_gguf(k_adapter->lora_B(), 2).to_doubles());
  EXPECT_NE(gguf.pairs[0].b.to_doubles(), q_adapter->lora_B().to_doubles());
  EXPECT_EQ(gguf.pairs[2].b.to_doubles(), lora.adapters()[2].second->lora_B().to_doubles());  // v_proj as is
  EXPECT_EQ(gguf.pairs[0].a.to_doubles(), q_adapter->lora_A().to_doubles());
}

TEST(ExportAdapterGgufTool, F16OutputAndQwen2WithoutPermutation) {
  testing::TempDir dir("export_f16");
  auto model = load_hf_model(testing::model_dir("qwen2"));
  LoraConfig config;
  config.target_modules = {"q_proj", "k_proj"};
  LoraModel lora = LoraModel::attach(*model, config, 3);
  for (const auto& [module, adapter] : lora.adapters()) adapter->lora_B().fill(0.25);
  const GgufLoraAdapter gguf = gguf_lora_from(lora, *model);
  EXPECT_EQ(gguf.architecture, "qwen2");
  EXPECT_EQ(gguf.pairs[0].b.to_doubles(), lora.adapters()[0].second->lora_B().to_doubles());  // neox layout: no permutation
  save_gguf_lora(dir.file("a.gguf"), gguf, DType::F16);
  const GgufFile file = GgufFile::open(dir.file("a.gguf"));
  EXPECT_EQ(file.info("blk.0.attn_q.weight.lora_a").dtype, DType::F16);
  const GgufLoraAdapter back = read_gguf_lora(dir.file("a.gguf"));
  testing::expect_close(back.pairs[0].a, gguf.pairs[0].a, 1e-3, 1e-3, "f16 lora_a");
}

TEST(ExportAdapterGgufTool, DoraIsRefusedWithAClearMessage) {
  testing::TempDir dir("export_dora");
  ExportAdapterOptions options;
  options.model_dir = testing::model_dir("llama_bias_linear_headdim");
  options.adapter_dir = testing::peft_dir("qv_dora_f16");
  options.out_path = dir.file("adapter.gguf");
  try {
    export_adapter_gguf(options);
    ADD_FAILURE() << "DoRA exported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("uses DoRA, which llama.cpp's GGUF LoRA format cannot express"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(options.out_path));
}

TEST(ExportAdapterGgufTool, ReaderRefusesModelsAndIncompletePairs) {
  testing::TempDir dir("export_read");
  GgufLoraAdapter gguf;
  gguf.architecture = "llama";
  gguf.alpha = 8;
  gguf.pairs.push_back({"blk.0.attn_q.weight", Tensor::zeros({2, 4}), Tensor::zeros({4, 2})});
  save_gguf_lora(dir.file("ok.gguf"), gguf);
  EXPECT_EQ(read_gguf_lora(dir.file("ok.gguf")).pairs.size(), 1u);

  auto message_of = [](const std::string& path) {
    try {
      read_gguf_lora(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  GgufMetadata meta;
  meta.set("general.type", GgufValue::string("adapter"));
  meta.set("general.architecture", GgufValue::string("llama"));
  meta.set("adapter.type", GgufValue::string("lora"));
  save_gguf(dir.file("half.gguf"), meta, {{"blk.0.attn_q.weight.lora_a", Tensor::zeros({2, 4})}});
  EXPECT_NE(message_of(dir.file("half.gguf")).find("LoRA tensor pair for 'blk.0.attn_q.weight' is missing one component"),
            std::string::npos);
  save_gguf(dir.file("ranks.gguf"), meta,
            {{"blk.0.attn_q.weight.lora_a", Tensor::zeros({4, 2})}, {"blk.0.attn_q.weight.lora_b", Tensor::zeros({4, 2})}});
  EXPECT_NE(message_of(dir.file("ranks.gguf")).find("the ranks differ"), std::string::npos);
  meta.set("general.type", GgufValue::string("model"));
  save_gguf(dir.file("model.gguf"), meta, {{"token_embd.weight", Tensor::zeros({2, 4})}});
  EXPECT_NE(message_of(dir.file("model.gguf")).find("general.type is 'model', expected 'adapter'"), std::string::npos);
}

}  // namespace
}  // namespace hone
