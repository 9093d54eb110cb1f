// The safetensors format: an 8-byte little-endian header length, a JSON header mapping tensor
// names to {dtype, shape, data_offsets} (plus an optional "__metadata__" string map), then the
// raw little-endian data. Reading maps the file and validates every entry before any tensor is
// handed out; tensors borrow the mapping (no copy) when their data is aligned.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hone/io/mapped_file.h"
#include "hone/tensor/tensor.h"

namespace hone {

struct SafetensorsEntry {
  std::string name;
  std::string file_dtype;  // as written in the file: "F32", "BF16", "I64", "F8_E4M3", ...
  // Whether get() can return it: F8 and other exotic types are valid in the file (so the file
  // opens and can be inspected) but have no hone dtype yet.
  bool loadable = true;
  DType dtype = DType::F32;  // what get() returns (I64/I16/I8/U*/BOOL load as I32); meaningless if !loadable
  Shape shape;
  size_t begin = 0, end = 0;  // byte range within the data section
};

class SafetensorsFile {
 public:
  // Opens and validates `path` as the format specifies: header length at most 100 MB and inside
  // the file, a UTF-8 JSON object starting with '{', unique names, known dtypes,
  // shape x dtype size == byte range, and tensors tiling the data section exactly (no gap, no
  // overlap, nothing after the last one). Every problem is an Error starting with the path.
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  // Entries in data order.
  const std::vector<SafetensorsEntry>& entries() const { return entries_; }
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  const SafetensorsEntry& entry(const std::string& name) const;
  // The tensor (named after the entry). Error naming the file and tensor if absent or of a
  // dtype hone cannot load.
  Tensor get(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  static SafetensorsFile open_unchecked(const std::string& path);
  Tensor get_unchecked(const std::string& name) const;

  std::shared_ptr<MappedFile> file_;
  size_t data_start_ = 0;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Error messages quote tensor names and keys taken from files, which may hold any character;
// this escapes control characters (as \xNN) so that every message stays on one line.
std::string escape_control_chars(const std::string& text);

// Writes tensors (F32, F64, BF16, F16, I32) in the given order, atomically. Names must be
// unique and not "__metadata__".
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace hone
