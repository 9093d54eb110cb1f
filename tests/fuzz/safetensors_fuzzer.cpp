// libFuzzer entry point for the safetensors readers: the input is either a whole .safetensors
// file or (first byte odd) an index JSON over three fixed, valid shards. Any outcome but success
// or hone::Error (a crash, a sanitizer report, another exception) is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hone/io/safetensors_checkpoint.h"

namespace {

std::filesystem::path scratch() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path root = std::filesystem::is_directory("/dev/shm") ? "/dev/shm"
                                                                                 : std::filesystem::temp_directory_path();
    static const auto d = root / ("hone_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(d, ignored);
    });
    hone::CheckpointWriteOptions options;
    options.max_shard_bytes = 16;
    hone::save_safetensors_checkpoint(
        (d / "sharded").string(),
        {{"a", hone::Tensor::zeros({4})}, {"b", hone::Tensor::zeros({2, 2})}, {"c", hone::Tensor::zeros({3})}}, options);
    return d;
  }();
  return dir;
}

void write(const std::filesystem::path& path, const uint8_t* data, size_t size) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), std::streamsize(size));
}

template <class Reader>
void read_all(const Reader& reader, const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (reader.entry(name).loadable) (void)reader.get(name).to_doubles();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto dir = scratch();
  try {
    if (size > 0 && (data[0] & 1)) {
      write(dir / "sharded" / "model.safetensors.index.json", data + 1, size - 1);
      const auto c = hone::SafetensorsCheckpoint::open((dir / "sharded").string());
      read_all(c, c.names());
    } else {
      write(dir / "case.safetensors", data, size);
      const auto f = hone::SafetensorsFile::open((dir / "case.safetensors").string());
      std::vector<std::string> names;
      for (const auto& e : f.entries()) names.push_back(e.name);
      read_all(f, names);
    }
  } catch (const hone::Error&) {
    // Rejected cleanly: the expected outcome for most inputs.
  }
  return 0;
}
