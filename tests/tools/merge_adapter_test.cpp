// merge_adapter (`hone merge`) writes a Hugging Face folder that loads without the adapter and
// gives the adapter's outputs, in f32 or a narrower storage type, with the base folder's
// tokenizer files beside it; it refuses to overwrite its inputs or a folder that holds files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hone/autograd/grad_mode.h"
#include "hone/io/safetensors.h"
#include "hone/model/hf_model.h"
#include "hone/peft/lora/model.h"
#include "hone/tools/merge_adapter.h"
#include "hone/util/atomic_file.h"
#include "io/temp_dir.h"
#include "peft/peft_test_data.h"
#include "support/golden.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

Tensor logits(DecoderModel& model) {
  NoGradGuard no_grad;
  const Tensor ids = Tensor::from_ints({1, 7}, std::vector<int32_t>{1, 22, 13, 44, 95, 0, 7});
  return model.logits(model.hidden_states(ids));
}

// A copy of a test model folder with tokenizer files, as a real base folder has.
std::string base_with_tokenizer(const testing::TempDir& dir, const std::string& model) {
  const std::string base = dir.file("base");
  fs::create_directories(base);
  for (const auto& e : fs::directory_iterator(testing::model_dir(model))) fs::copy_file(e.path(), base + "/" + e.path().filename().string());
  std::ofstream(base + "/tokenizer.json") << "{\"model\": {\"type\": \"BPE\"}}";
  std::ofstream(base + "/generation_config.json") << "{\"do_sample\": false}";
  return base;
}

class MergeAdapter : public ::testing::TestWithParam<testing::PeftCase> {};

TEST_P(MergeAdapter, MergedFolderLoadsAndMatchesTheAdapter) {
  const testing::PeftCase c = GetParam();
  testing::TempDir dir("merge");
  const std::string base = base_with_tokenizer(dir, c.model);
  auto model = load_hf_model(base);
  LoraModel lora = LoraModel::load(*model, testing::peft_dir(c.adapter));
  const Tensor with_adapter = logits(*model);

  MergeAdapterOptions options;
  options.model_dir = base;
  options.adapter_dir = testing::peft_dir(c.adapter);
  options.out_dir = dir.file("merged");
  const MergeAdapterReport report = merge_adapter(options);
  EXPECT_EQ(report.merged_modules, int64_t(lora.adapters().size()));
  EXPECT_EQ(report.dtype, DType::F32);  // the base checkpoint's own type
  EXPECT_EQ(report.copied_files, (std::vector<std::string>{"tokenizer.json", "generation_config.json"}));
  EXPECT_EQ(read_file(options.out_dir + "/tokenizer.json"), read_file(base + "/tokenizer.json"));
  EXPECT_TRUE(fs::exists(options.out_dir + "/config.json"));

  LoadReport load_report;
  auto merged = load_hf_model(options.out_dir, {}, &load_report);
  EXPECT_TRUE(load_report.unexpected_tensors.empty());
  EXPECT_EQ(load_report.stored_dtype, "f32");
  for (LinearModule* m : merged->linear_modules()) EXPECT_TRUE(m->adapters.empty());
  testing::expect_close(logits(*merged), with_adapter, 1e-5, 1e-4, std::string(c.adapter) + " merged folder");
}

INSTANTIATE_TEST_SUITE_P(Adapters, MergeAdapter, ::testing::ValuesIn(testing::kPeftCases),
                         [](const auto& info) { return std::string(info.param.adapter); });

TEST(MergeAdapterTool, Bf16OutputIsTheMergedWeightsRoundedOnce) {
  testing::TempDir dir("merge_bf16");
  const std::string base = base_with_tokenizer(dir, "llama_gqa");
  MergeAdapterOptions options;
  options.model_dir = base;
  options.adapter_dir = testing::peft_dir("all_linear_f32");
  options.out_dir = dir.file("merged");
  options.dtype = DType::BF16;
  EXPECT_EQ(merge_adapter(options).dtype, DType::BF16);
  const SafetensorsFile file = SafetensorsFile::open(options.out_dir + "/model.safetensors");
  EXPECT_EQ(file.entry("model.layers.0.self_attn.q_proj.weight").file_dtype, "BF16");

  auto model = load_hf_model(base);
  LoraModel lora = LoraModel::load(*model, options.adapter_dir);
  lora.merge_and_unload();
  int compared = 0;
  for (LinearModule* m : model->linear_modules()) {
    EXPECT_EQ(file.get(m->name + ".weight").to_doubles(), m->weight.to(DType::BF16).to_doubles()) << m->name;
    ++compared;
  }
  EXPECT_EQ(compared, 14);
}

TEST(MergeAdapterTool, RefusesToWriteOverItsInputsOrAFullFolder) {
  testing::TempDir dir("merge_refuse");
  const std::string base = base_with_tokenizer(dir, "llama_gqa");
  MergeAdapterOptions options;
  options.model_dir = base;
  options.adapter_dir = testing::peft_dir("all_linear_f32");
  auto message_of = [&] {
    try {
      merge_adapter(options);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  options.out_dir = base;
  EXPECT_NE(message_of().find("is an input folder"), std::string::npos);
  options.out_dir = dir.file("busy");
  fs::create_directories(options.out_dir);
  std::ofstream(options.out_dir + "/notes.txt") << "mine";
  EXPECT_NE(message_of().find("already exists and is not empty (pass --overwrite"), std::string::npos);
  EXPECT_TRUE(fs::exists(options.out_dir + "/notes.txt"));
  options.overwrite = true;
  EXPECT_EQ(message_of(), "");
  EXPECT_FALSE(fs::exists(options.out_dir + "/notes.txt"));
  EXPECT_TRUE(fs::exists(options.out_dir + "/model.safetensors"));
  // A broken adapter fails before anything is written.
  options.out_dir = dir.file("never");
  options.adapter_dir = dir.file("no_such_adapter");
  EXPECT_NE(message_of().find("not a PEFT adapter folder"), std::string::npos);
  EXPECT_FALSE(fs::exists(options.out_dir));
}

}  // namespace
}  // namespace hone
