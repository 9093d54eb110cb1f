// Sharded and single-file checkpoints: the writer's sharding, the reader's view of a whole model
// folder, and one clear error for each way an index and its shards can disagree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hone/io/safetensors_checkpoint.h"
#include "hone/util/atomic_file.h"
#include "temp_dir.h"

namespace hone {
namespace {

using testing::TempDir;

// Five tensors of 24, 24, 48, 8 and 8 bytes, with distinct values.
NamedTensors small_model() {
  auto filled = [](const Shape& shape, float start) {
    std::vector<float> v(size_t(shape.numel()));
    for (size_t i = 0; i < v.size(); ++i) v[i] = start + float(i);
    return Tensor::from_floats(shape, v);
  };
  return {{"model.embed_tokens.weight", filled({2, 3}, 0)},
          {"model.layers.0.self_attn.q_proj.weight", filled({3, 2}, 10)},
          {"model.layers.0.mlp.up_proj.weight", filled({4, 3}, 20)},
          {"model.norm.weight", filled({2}, 30).to(DType::BF16).to(DType::F32)},
          {"lm_head.weight", filled({2, 2}, 40).to(DType::F16)}};
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Expects opening `path` to fail with a message containing every needle.
void expect_open_error(const std::string& path, const std::vector<std::string>& needles) {
  try {
    SafetensorsCheckpoint::open(path);
    ADD_FAILURE() << "expected an error opening " << path;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "not one line: " << msg;
    for (const auto& needle : needles) EXPECT_NE(msg.find(needle), std::string::npos) << msg << "\nlacks: " << needle;
  }
}

TEST(SafetensorsCheckpoint, WritesOneFileWhenItFits) {
  TempDir dir("ckpt_single");
  const NamedTensors tensors = small_model();
  const auto written = save_safetensors_checkpoint(dir.path(), tensors);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0], dir.file("model.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("model.safetensors.index.json")));
  SafetensorsCheckpoint c = SafetensorsCheckpoint::open(dir.path());
  EXPECT_TRUE(c.index_path().empty());
  ASSERT_EQ(c.size(), tensors.size());
  EXPECT_EQ(c.files()[0].metadata().at("format"), "pt");
  for (const auto& [name, t] : tensors) {
    EXPECT_TRUE(c.contains(name));
    EXPECT_EQ(c.get(name).to_doubles(), t.to_doubles()) << name;
    EXPECT_EQ(c.get(name).dtype(), t.dtype()) << name;
    EXPECT_EQ(c.file_of(name), dir.file("model.safetensors"));
  }
  // Opening the file itself gives the same view.
  EXPECT_EQ(SafetensorsCheckpoint::open(dir.file("model.safetensors")).names(), c.names());
}

TEST(SafetensorsCheckpoint, ShardsByMaxSizeAndReadsBackThroughTheIndex) {
  TempDir dir("ckpt_sharded");
  const NamedTensors tensors = small_model();
  CheckpointWriteOptions options;
  options.max_shard_bytes = 48;  // 24+24 | 48 | 8+8
  const auto written = save_safetensors_checkpoint(dir.path(), tensors, options);
  ASSERT_EQ(written.size(), 4u);
  EXPECT_EQ(written[0], dir.file("model-00001-of-00003.safetensors"));
  EXPECT_EQ(written[2], dir.file("model-00003-of-00003.safetensors"));
  EXPECT_EQ(written[3], dir.file("model.safetensors.index.json"));

  const nlohmann::json index = nlohmann::json::parse(read_file(written[3]));
  EXPECT_EQ(index["metadata"]["total_size"], 24 + 24 + 48 + 8 + 8);
  EXPECT_EQ(index["weight_map"]["model.layers.0.mlp.up_proj.weight"], "model-00002-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"]["lm_head.weight"], "model-00003-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"].size(), tensors.size());

  SafetensorsCheckpoint c = SafetensorsCheckpoint::open(dir.path());
  EXPECT_EQ(c.index_path(), dir.file("model.safetensors.index.json"));
  EXPECT_EQ(c.files().size(), 3u);
  EXPECT_EQ(c.index_metadata().at("total_size"), "112");
  std::vector<std::string> expected_names;
  for (const auto& [name, t] : tensors) expected_names.push_back(name);
  std::sort(expected_names.begin(), expected_names.end());
  EXPECT_EQ(c.names(), expected_names);
  for (const auto& [name, t] : tensors) EXPECT_EQ(c.get(name).to_doubles(), t.to_doubles()) << name;
  EXPECT_EQ(c.file_of("model.embed_tokens.weight"), dir.file("model-00001-of-00003.safetensors"));
  EXPECT_EQ(c.file_of("model.norm.weight"), dir.file("model-00003-of-00003.safetensors"));
  EXPECT_EQ(c.entry("model.layers.0.mlp.up_proj.weight").shape, (Shape{4, 3}));
  // The index file itself can be opened too.
  EXPECT_EQ(SafetensorsCheckpoint::open(written[3]).size(), tensors.size());
  try {
    c.get("model.layers.9.mlp.up_proj.weight");
    ADD_FAILURE() << "expected an error for a missing tensor";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no tensor named 'model.layers.9.mlp.up_proj.weight'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(dir.path()), std::string::npos);
  }
}

TEST(SafetensorsCheckpoint, OversizedTensorGetsItsOwnShard) {
  TempDir dir("ckpt_oversized");
  CheckpointWriteOptions options;
  options.max_shard_bytes = 10;
  const auto written = save_safetensors_checkpoint(dir.path(), small_model(), options);
  EXPECT_EQ(written.size(), 6u);  // five shards + index
  EXPECT_EQ(SafetensorsCheckpoint::open(dir.path()).files().size(), 5u);
}

TEST(SafetensorsCheckpoint, RewritingRemovesStaleFiles) {
  TempDir dir("ckpt_stale");
  CheckpointWriteOptions options;
  options.max_shard_bytes = 10;
  save_safetensors_checkpoint(dir.path(), small_model(), options);
  write_text(dir.file("notes.txt"), "keep me");
  options.max_shard_bytes = 48;
  save_safetensors_checkpoint(dir.path(), small_model(), options);
  EXPECT_FALSE(std::filesystem::exists(dir.file("model-00001-of-00005.safetensors")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("model-00001-of-00003.safetensors")));
  // Back to one file: the index and shards go, or readers would see two checkpoints.
  save_safetensors_checkpoint(dir.path(), small_model());
  size_t safetensors_files = 0;
  for (const auto& item : std::filesystem::directory_iterator(dir.path()))
    safetensors_files += item.path().string().find(".safetensors") != std::string::npos;
  EXPECT_EQ(safetensors_files, 1u);
  EXPECT_TRUE(std::filesystem::exists(dir.file("notes.txt")));
  EXPECT_EQ(SafetensorsCheckpoint::open(dir.path()).size(), 5u);
}

TEST(SafetensorsCheckpoint, SingleFileTakesPrecedenceLikeTransformers) {
  TempDir dir("ckpt_precedence");
  save_safetensors(dir.file("model.safetensors"), {{"only", Tensor::zeros({1})}});
  write_text(dir.file("model.safetensors.index.json"), "not even json");
  SafetensorsCheckpoint c = SafetensorsCheckpoint::open(dir.path());
  EXPECT_EQ(c.names(), std::vector<std::string>{"only"});
}

TEST(SafetensorsCheckpoint, WriterRejectsBadInput) {
  TempDir dir("ckpt_writer_errors");
  NamedTensors twice = {{"a", Tensor::zeros({1})}, {"a", Tensor::zeros({1})}};
  EXPECT_THROW(save_safetensors_checkpoint(dir.path(), twice), Error);
  CheckpointWriteOptions options;
  options.max_shard_bytes = 0;
  EXPECT_THROW(save_safetensors_checkpoint(dir.path(), small_model(), options), Error);
  options = {};
  options.base_name = "../escape";
  EXPECT_THROW(save_safetensors_checkpoint(dir.path(), small_model(), options), Error);
}

// A sharded folder from the writer (three shards), which each test edits before reading.
class ShardedFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    CheckpointWriteOptions options;
    options.max_shard_bytes = 48;
    save_safetensors_checkpoint(dir_.path(), small_model(), options);
    index_ = nlohmann::json::parse(read_file(index_path()));
  }
  std::string index_path() const { return dir_.file("model.safetensors.index.json"); }
  void write_index(const std::string& text) { write_text(index_path(), text); }
  void write_index() { write_index(index_.dump()); }

  TempDir dir_{"ckpt_broken"};
  nlohmann::json index_;
};

TEST_F(ShardedFolder, EquivalentShardSpellingsAreOneShard) {
  index_["weight_map"]["lm_head.weight"] = "./model-00003-of-00003.safetensors";
  write_index();
  SafetensorsCheckpoint c = SafetensorsCheckpoint::open(dir_.path());
  EXPECT_EQ(c.files().size(), 3u);
  EXPECT_EQ(c.get("lm_head.weight").numel(), 4);
}

TEST_F(ShardedFolder, MissingShard) {
  std::filesystem::remove(dir_.file("model-00002-of-00003.safetensors"));
  expect_open_error(dir_.path(), {index_path(), "shard 'model-00002-of-00003.safetensors'",
                                  "model.layers.0.mlp.up_proj.weight", "does not exist"});
}

TEST_F(ShardedFolder, TensorNotInItsShard) {
  index_["weight_map"]["model.layers.5.mlp.down_proj.weight"] = "model-00001-of-00003.safetensors";
  write_index();
  expect_open_error(dir_.path(), {index_path(), "'model.layers.5.mlp.down_proj.weight'",
                                  "model-00001-of-00003.safetensors", "has no such tensor"});
}

TEST_F(ShardedFolder, IndexNamesTheWrongShard) {
  index_["weight_map"]["lm_head.weight"] = "model-00001-of-00003.safetensors";
  write_index();
  expect_open_error(dir_.path(), {index_path(), "'lm_head.weight'", "but it is stored in",
                                  "model-00003-of-00003.safetensors"});
}

TEST_F(ShardedFolder, TensorInTwoShards) {
  save_safetensors(dir_.file("model-00003-of-00003.safetensors"),
                   {{"model.norm.weight", Tensor::zeros({2})}, {"lm_head.weight", Tensor::zeros({2, 2})},
                    {"model.embed_tokens.weight", Tensor::zeros({2, 3})}});
  expect_open_error(dir_.path(), {index_path(), "'model.embed_tokens.weight' is stored in two shards",
                                  "model-00001-of-00003.safetensors", "model-00003-of-00003.safetensors"});
}

TEST_F(ShardedFolder, ShardTensorMissingFromIndex) {
  index_["weight_map"].erase("lm_head.weight");
  write_index();
  expect_open_error(dir_.path(), {index_path(), "holds tensor 'lm_head.weight', which weight_map does not list"});
}

TEST_F(ShardedFolder, DuplicateWeightMapKey) {
  std::string text = index_.dump();
  const std::string entry = R"("lm_head.weight":"model-00003-of-00003.safetensors")";
  text.insert(text.find(entry), entry + ",");
  write_index(text);
  expect_open_error(dir_.path(), {index_path(), "weight_map names tensor 'lm_head.weight' twice"});
}

TEST_F(ShardedFolder, ShardOutsideTheFolder) {
  index_["weight_map"]["lm_head.weight"] = "../model-00003-of-00003.safetensors";
  write_index();
  expect_open_error(dir_.path(), {index_path(), "outside the model folder"});
  index_["weight_map"]["lm_head.weight"] = "/etc/passwd";
  write_index();
  expect_open_error(dir_.path(), {index_path(), "outside the model folder"});
}

TEST_F(ShardedFolder, MalformedIndexJson) {
  write_index("{\"weight_map\": {");
  expect_open_error(dir_.path(), {index_path(), "not valid JSON"});
  write_index("[]");
  expect_open_error(dir_.path(), {index_path(), "not a JSON object"});
  write_index(R"({"metadata": {}})");
  expect_open_error(dir_.path(), {index_path(), "no 'weight_map'"});
  write_index(R"({"weight_map": {}})");
  expect_open_error(dir_.path(), {index_path(), "lists no tensors"});
  write_index(R"({"weight_map": {"a": 3}})");
  expect_open_error(dir_.path(), {index_path(), "entry for tensor 'a' is not a file name"});
  write_index(R"({"weight_map": {"a": ""}})");
  expect_open_error(dir_.path(), {index_path(), "empty shard name"});
  write_index(R"({"metadata": 3, "weight_map": {"a": "x"}})");
  expect_open_error(dir_.path(), {index_path(), "'metadata' is not an object"});
}

TEST_F(ShardedFolder, DamagedShardIsNamed) {
  const std::string shard = dir_.file("model-00002-of-00003.safetensors");
  std::filesystem::resize_file(shard, std::filesystem::file_size(shard) - 3);
  expect_open_error(dir_.path(), {index_path(), shard, "outside the data section"});
}

TEST(SafetensorsCheckpoint, MissingFolderOrFiles) {
  TempDir dir("ckpt_missing");
  expect_open_error(dir.path(), {dir.path(), "no model.safetensors or model.safetensors.index.json"});
  expect_open_error(dir.file("nope"), {dir.file("nope"), "no such file or folder"});
}

}  // namespace
}  // namespace hone
