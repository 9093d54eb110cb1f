// Reading GGUF v2/v3 files (llama.cpp's model format): header, metadata, tensor infos, then the
// aligned data section. The file is memory-mapped and validated completely before anything is
// handed out; tensors borrow the mapping (block-quantized ones always, others when aligned).
// Every problem is one Error line starting with the file's path.
//
// GGUF lists dimensions fastest-first (ne[0] is the row length); hone shapes are row-major, so a
// ggml [ne0, ne1] tensor is a hone [ne1, ne0] tensor. Layout: ../shared/reference/gguf-and-llama-cpp.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hone/io/gguf_value.h"
#include "hone/tensor/tensor.h"

namespace hone {

constexpr uint32_t kGgufDefaultAlignment = 32;

struct GgufTensorInfo {
  std::string name;
  uint32_t ggml_type = 0;
  DType dtype = DType::F32;
  Shape shape;                // hone order: ne reversed
  uint64_t offset = 0;        // from the start of the data section
  size_t bytes = 0;
};

class GgufFile {
 public:
  // Maps and validates `path`.
  static GgufFile open(const std::string& path);
  // Validates a file image held in memory; `source` names it in messages. For tests and fuzzing.
  static GgufFile from_bytes(const std::string& source, std::vector<unsigned char> bytes);

  const std::string& source() const { return metadata_.source(); }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  const GgufMetadata& metadata() const { return metadata_; }
  // Tensor infos in file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  // Error naming the file and tensor if absent.
  const GgufTensorInfo& info(const std::string& name) const;
  // The tensor, named after its GGUF name, sharing the file's memory where it can.
  Tensor get(const std::string& name) const;

 private:
  static GgufFile parse(const std::string& source, unsigned char* data, size_t size, std::shared_ptr<const void> owner);

  GgufMetadata metadata_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  std::vector<GgufTensorInfo> tensors_;
  std::unordered_map<std::string, size_t> index_;
  unsigned char* data_section_ = nullptr;
  std::shared_ptr<const void> owner_;  // keeps the mapping (or buffer) alive
};

}  // namespace hone
