// Mutation fuzzing of adapter_config.json (issue 11, item 14): every damaged PEFT config is read
// or ends in a hone::Error naming the file; seeded afresh per run (HONE_FUZZ_SEED=N reproduces).
#include <gtest/gtest.h>

#include "hone/peft/lora/config.h"
#include "hone/util/atomic_file.h"
#include "hone/util/json_text.h"
#include "support/fuzz_mutator.h"

namespace hone {
namespace {

TEST(ReaderFuzz, AdapterConfigJson) {
  std::vector<std::string> seeds;
  for (const char* name : {"all_linear_f32", "qv_dora_f16", "qv_rslora_patterns_bf16"})
    seeds.push_back(read_file(std::string(HONE_TEST_DATA_DIR) + "/peft/" + name + "/adapter_config.json"));
  testing::fuzz_reader("adapter_config.json", seeds, 3000, [](const std::string& text) {
    const LoraConfig config = lora_config_from_peft_json(parse_json(text, "adapter_config.json"), "adapter_config.json");
    config.validate();
    for (const char* module : {"model.layers.0.self_attn.q_proj", "model.layers.1.mlp.down_proj"})
      if (config.targets(module)) (void)config.scaling_for(module);
  });
}

}  // namespace
}  // namespace hone
