// The registry lists every method once, under its hone name and PEFT peft_type, and
// load_adapter dispatches on adapter_config.json's peft_type with clear errors; which methods let
// a bf16 run narrow the frozen base weights is the entries' say.
#include "hone/peft/registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "hone/model/hf_model.h"
#include "hone/peft/lora/config.h"
#include "peft/peft_test_data.h"
#include "support/error_text.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

TEST(Registry, EveryMethodOnceByNameAndPeftType) {
  std::set<std::string> names, types;
  for (const AdapterMethod* m : adapter_methods()) {
    EXPECT_TRUE(names.insert(m->name).second) << m->name;
    if (!m->peft_type.empty()) {
      EXPECT_TRUE(types.insert(m->peft_type).second) << m->peft_type;
    }
    EXPECT_TRUE(m->attach) << m->name;
    EXPECT_EQ(m->load == nullptr, m->peft_type.empty()) << m->name << ": a folder form needs a peft_type";
    if (m->options) {
      for (const OptionKey& k : m->options->keys()) EXPECT_EQ(k.key.rfind(m->name + ".", 0), 0u) << k.key;
    }
  }
  EXPECT_EQ(adapter_method("lora").peft_type, "LORA");
  EXPECT_EQ(adapter_method("ln_tuning").peft_type, "LN_TUNING");
  EXPECT_EQ(adapter_method("full").peft_type, "");
  EXPECT_EQ(adapter_method_names(), "lora, full, bitfit, ln_tuning");
  EXPECT_NE(testing::error_text([] { adapter_method("qlora"); }).find("unknown method 'qlora' (methods: lora, full"),
            std::string::npos);
}

TEST(Registry, FreezesBaseIsTheEntrysSay) {
  const AdapterMethod& lora = adapter_method("lora");
  ASSERT_TRUE(lora.freezes_base);
  LoraConfig config;
  EXPECT_TRUE(lora.freezes_base(&config));
  config.use_dora = true;  // DoRA reads its base weights' norms in f32
  EXPECT_FALSE(lora.freezes_base(&config));
  // Full fine-tuning trains the base; BitFit and LN-tuning replace some of its tensors.
  for (const char* name : {"full", "bitfit", "ln_tuning"})
    EXPECT_FALSE(adapter_method(name).freezes_base) << name;
}

TEST(Registry, LoadAdapterDispatchesOnPeftType) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  EXPECT_EQ(load_adapter(*model, testing::peft_dir("all_linear_f32"))->method().name, "lora");
  model = load_hf_model(testing::model_dir("llama_gqa"));
  EXPECT_EQ(load_adapter(*model, testing::peft_dir("ln_tuning"))->method().name, "ln_tuning");

  const std::string dir = (fs::temp_directory_path() / ("hone_registry_" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  std::ofstream(dir + "/adapter_config.json") << R"({"peft_type": "IA3"})";
  const std::string message = testing::error_text([&] { load_adapter(*model, dir); });
  EXPECT_NE(message.find("adapter_config.json: peft_type \"IA3\" is not supported yet (hone loads LORA, BITFIT, LN_TUNING)"),
            std::string::npos) << message;
  std::ofstream(dir + "/adapter_config.json") << R"({"r": 8})";
  EXPECT_NE(testing::error_text([&] { load_adapter(*model, dir); }).find("missing \"peft_type\""), std::string::npos);
  fs::remove_all(dir);
  EXPECT_NE(testing::error_text([&] { load_adapter(*model, dir); }).find("not a PEFT adapter folder"), std::string::npos);
}

}  // namespace
}  // namespace hone
