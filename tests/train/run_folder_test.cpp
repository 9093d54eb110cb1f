// The run folder belongs to one process at a time (a flock on .hone.lock), and what killed
// writes leave behind (step-N.tmp-PID folders, *.tmp-PID files) is removed when a run starts or
// resumes; a checkpoint moved aside whose replacement never arrived is put back (issue 11,
// items 3 and 6).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hone/train/run_folder.h"
#include "hone/util/error.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

class RunFolderTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::remove_all(root_); }
  void TearDown() override { fs::remove_all(root_); }
  const std::string root_ = (fs::temp_directory_path() / ("hone_run_folder_" + std::to_string(::getpid()))).string();
};

TEST_F(RunFolderTest, ASecondUserOfTheFolderIsRefusedWithTheHoldersPid) {
  const RunFolder first = prepare_run_folder(root_, false, false);
  try {
    prepare_run_folder(root_, true, false);
    FAIL() << "expected the folder to be in use";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(root_ + ": in use by process " + std::to_string(::getpid()) + " ", 0), 0u)
        << e.what();
  }
}

TEST_F(RunFolderTest, TheLockIsReleasedWithTheLastCopy) {
  {
    const RunFolder first = prepare_run_folder(root_, false, false);
    const RunFolder copy = first;
  }
  EXPECT_NO_THROW(prepare_run_folder(root_, true, false));
}

TEST_F(RunFolderTest, KilledWritesAreRemovedAndAMovedAsideCheckpointRestored) {
  fs::create_directories(root_ + "/checkpoints/step-2");
  std::ofstream(root_ + "/checkpoints/step-2/trainer_state.json") << "{}";
  fs::create_directories(root_ + "/checkpoints/step-4.tmp-999");  // killed while writing step 4
  fs::create_directories(root_ + "/checkpoints/step-3.old-999");  // killed between the two renames
  std::ofstream(root_ + "/checkpoints/step-3.old-999/trainer_state.json") << "{}";
  fs::create_directories(root_ + "/checkpoints/step-3.tmp-999");
  std::ofstream(root_ + "/metrics.jsonl.tmp-999") << "partial";
  std::ofstream(root_ + "/config.yaml") << "x: 1\n";
  fs::create_directories(root_ + "/checkpoints/step-5.tmp-abc");  // not a pid: not ours to remove

  const RunFolder run = prepare_run_folder(root_, false, true);
  EXPECT_FALSE(fs::exists(root_ + "/checkpoints/step-4.tmp-999"));
  EXPECT_FALSE(fs::exists(root_ + "/checkpoints/step-3.tmp-999"));
  EXPECT_FALSE(fs::exists(root_ + "/checkpoints/step-3.old-999"));
  EXPECT_TRUE(fs::exists(root_ + "/checkpoints/step-3/trainer_state.json"));
  EXPECT_FALSE(fs::exists(root_ + "/metrics.jsonl.tmp-999"));
  EXPECT_TRUE(fs::exists(root_ + "/checkpoints/step-5.tmp-abc"));
  EXPECT_EQ(*run.newest_checkpoint(), root_ + "/checkpoints/step-3");
}

TEST_F(RunFolderTest, ResumingARunWithoutCheckpointsSaysHowToStartAgain) {
  fs::create_directories(root_);
  std::ofstream(root_ + "/config.yaml") << "x: 1\n";
  try {
    prepare_run_folder(root_, false, true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stopped before its first checkpoint"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hone
