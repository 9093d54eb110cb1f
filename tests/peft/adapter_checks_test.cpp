// Adapters that were accepted silently and then computed something else (issue 11, item 11 and
// item 7): tensors whose rank disagrees with the config's r, an alpha so large the scaling
// overflows (lora_alpha 1e308 evaluated to NaN), a target_modules entry that matches no layer,
// and a NaN stored in an adapter tensor.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hone/model/hf_model.h"
#include "hone/peft/lora/model.h"
#include "hone/util/atomic_file.h"
#include "peft/peft_test_data.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

class AdapterChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::remove_all(dir_);
    fs::copy(testing::peft_dir("all_linear_f32"), dir_, fs::copy_options::recursive);
    config_ = read_file(dir_ + "/adapter_config.json");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write_config(const std::string& from, const std::string& to) {
    std::string text = config_;
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    std::ofstream(dir_ + "/adapter_config.json", std::ios::trunc) << text.replace(at, from.size(), to);
  }
  std::string load_error() {
    auto model = load_hf_model(testing::model_dir("llama_gqa"));
    try {
      LoraModel::load(*model, dir_);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
  const std::string dir_ = (fs::temp_directory_path() / ("hone_adapter_checks_" + std::to_string(::getpid()))).string();
  std::string config_;
};

TEST_F(AdapterChecks, TheUnchangedAdapterLoads) { EXPECT_EQ(load_error(), "(no error)"); }

TEST_F(AdapterChecks, RankThatDisagreesWithTheTensorsIsAnError) {
  write_config("\"r\": 4", "\"r\": 8");
  const std::string e = load_error();
  EXPECT_NE(e.find("lora_A.weight' has rank 4 but"), std::string::npos) << e;
  EXPECT_NE(e.find("rank 8 (r, or rank_pattern)"), std::string::npos) << e;
}

TEST_F(AdapterChecks, AnAlphaWhoseScalingOverflowsIsAnError) {
  write_config("\"lora_alpha\": 8", "\"lora_alpha\": 1e308");
  const std::string e = load_error();
  EXPECT_NE(e.find("adapter_config.json"), std::string::npos) << e;
  EXPECT_NE(e.find("gives a scaling of"), std::string::npos) << e;
}

TEST_F(AdapterChecks, ATargetEntryMatchingNoLayerIsAnError) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  LoraConfig config;
  config.r = 4;
  config.target_modules = {"q_proj", "foo"};
  try {
    LoraModel::attach(*model, config, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("target_modules: 'foo' matches no linear layer"), std::string::npos) << e.what();
  }
}

TEST_F(AdapterChecks, ANaNInAnAdapterTensorIsReportedAtLoad) {
  {
    std::fstream f(dir_ + "/adapter_model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    uint64_t header = 0;
    f.read(reinterpret_cast<char*>(&header), 8);
    f.seekp(std::streamoff(8 + header + 4));  // the second value of the first tensor in the file
    const uint32_t nan = 0x7fc00000u;
    f.write(reinterpret_cast<const char*>(&nan), 4);
  }
  const std::string e = load_error();
  EXPECT_NE(e.find("adapter_model.safetensors: tensor '"), std::string::npos) << e;
  EXPECT_NE(e.find("holds a non-finite value (nan) at element 1"), std::string::npos) << e;
}

}  // namespace
}  // namespace hone
