// A Hugging Face model folder's weights by tensor name, whether stored as one model.safetensors
// or as shards listed in model.safetensors.index.json, and the matching writer that splits a
// large model into shards with an index (what `hone merge` and full fine-tuning save).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hone/io/safetensors.h"

namespace hone {

class SafetensorsCheckpoint {
 public:
  // `path` is a model folder, a .safetensors file or a *.safetensors.index.json file. A folder
  // uses model.safetensors when present (as transformers does), else model.safetensors.index.json.
  // An index is validated in full: its JSON, every shard present and valid, every mapped tensor
  // present in the shard the index names, no tensor in two shards, no shard tensor left out of
  // the index. Each problem is one Error naming the file.
  static SafetensorsCheckpoint open(const std::string& path);

  // Tensor names, sorted.
  std::vector<std::string> names() const;
  size_t size() const { return location_.size(); }
  bool contains(const std::string& name) const { return location_.count(name) != 0; }
  // The tensor, borrowing the mapping when aligned (see SafetensorsFile::get). Error naming the
  // checkpoint if absent.
  Tensor get(const std::string& name) const;
  const SafetensorsEntry& entry(const std::string& name) const;
  // The file the tensor lives in, for messages.
  const std::string& file_of(const std::string& name) const;

  // The folder, file or index this was opened from.
  const std::string& source() const { return source_; }
  // Empty for a single file.
  const std::string& index_path() const { return index_path_; }
  const std::vector<SafetensorsFile>& files() const { return files_; }
  // The index's "metadata" object (e.g. total_size) as strings; empty for a single file.
  const std::map<std::string, std::string>& index_metadata() const { return index_metadata_; }

 private:
  static SafetensorsCheckpoint open_unchecked(const std::string& path);
  const SafetensorsFile& file_for(const std::string& name) const;

  std::string source_;
  std::string index_path_;
  std::vector<SafetensorsFile> files_;
  std::map<std::string, size_t> location_;  // tensor name -> index into files_
  std::map<std::string, std::string> index_metadata_;
};

struct CheckpointWriteOptions {
  // A shard closes before the tensor that would take it past this size; a tensor larger than
  // this gets a shard of its own. transformers' default max_shard_size is "5GB".
  uint64_t max_shard_bytes = 5'000'000'000;
  // File names: <base>.safetensors, or <base>-00001-of-0000N.safetensors + <base>.safetensors.index.json.
  std::string base_name = "model";
  // Written into every file's __metadata__; transformers writes {"format": "pt"}.
  std::map<std::string, std::string> metadata = {{"format", "pt"}};
};

// Writes `tensors` into `folder` (created if missing): one file when they fit in one shard,
// else numbered shards and an index naming the shard of every tensor. Each file is written
// atomically and the index last, so a reader never sees an index pointing at missing shards.
// Stale files from an earlier save under the same base name (old shards, an old index or single
// file) are removed afterwards. Returns the paths written, the index last when there is one.
std::vector<std::string> save_safetensors_checkpoint(const std::string& folder, const NamedTensors& tensors,
                                                     const CheckpointWriteOptions& options = {});

}  // namespace hone
