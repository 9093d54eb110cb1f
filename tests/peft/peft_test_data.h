// Paths of the committed test data the peft and tools tests share: the small Hugging Face model
// folders (tests/data/models) and the PEFT adapter folders tests/reference/golden_lora.py writes
// (tests/data/peft), with the base model each adapter belongs to.
#pragma once

#include <string>

namespace hone::testing {

inline std::string model_dir(const std::string& name) { return std::string(HONE_TEST_DATA_DIR) + "/models/" + name; }
inline std::string peft_dir(const std::string& name) { return std::string(HONE_TEST_DATA_DIR) + "/peft/" + name; }

struct PeftCase {
  const char* adapter;  // tests/data/peft/<adapter>, golden tests/golden/lora_<adapter>
  const char* model;    // tests/data/models/<model>
};

inline const PeftCase kPeftCases[] = {
    {"all_linear_f32", "llama_gqa"},
    {"qv_rslora_patterns_bf16", "llama_gqa"},
    {"qv_dora_f16", "llama_bias_linear_headdim"},
};

}  // namespace hone::testing
