// trainer_state.json is read with every key checked: a negative step (which resumed with a
// negative learning rate into a folder "step--2"), a wrong type or invalid JSON is an error
// naming the file and key (issue 11, items 2 and 11).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hone/train/trainer_state.h"
#include "hone/util/error.h"

namespace hone {
namespace {

class TrainerStateFile : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove(path_); }
  std::string error_for(const std::string& text) {
    std::ofstream(path_, std::ios::trunc) << text;
    try {
      read_trainer_state(path_);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
  const std::string path_ =
      (std::filesystem::temp_directory_path() / ("hone_trainer_state_" + std::to_string(::getpid()) + ".json")).string();
};

constexpr const char* kGood =
    R"({"step": 3, "micro_step": 6, "method": "lora", "data_position": {"epoch": 0, "consumed": 6}, "optimizer": {"type": "adamw"}})";

TEST_F(TrainerStateFile, AWellFormedStateReads) {
  std::ofstream(path_) << kGood;
  const TrainerState s = read_trainer_state(path_);
  EXPECT_EQ(s.step, 3);
  EXPECT_EQ(s.micro_step, 6u);
  EXPECT_EQ(s.method, "lora");
  EXPECT_EQ(s.data_position["consumed"], 6);
}

TEST_F(TrainerStateFile, BadValuesNameTheKey) {
  std::string text = kGood;
  EXPECT_EQ(error_for(std::string(text).replace(text.find("3"), 1, "-2")), path_ + ": key 'step' must be >= 0, got -2");
  EXPECT_EQ(error_for(std::string(text).replace(text.find("3"), 1, "1e999")),
            path_ + ": key 'step': number overflow parsing '1e999'");
  EXPECT_EQ(error_for(std::string(text).replace(text.find("3"), 1, "\"3\"")),
            path_ + ": key 'step' must be an integer, got \"3\"");
  EXPECT_EQ(error_for(R"({"step": 1})"), path_ + ": key 'micro_step' is missing");
  EXPECT_EQ(error_for("[]"), path_ + ": expected a JSON object, got array");
  EXPECT_EQ(error_for("{").rfind(path_ + ": not valid JSON: ", 0), 0u);
}

}  // namespace
}  // namespace hone
