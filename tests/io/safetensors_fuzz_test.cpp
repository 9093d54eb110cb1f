// Random corruption of valid safetensors files and sharded checkpoints: bit flips, truncation,
// header-length changes, JSON mutations. Every case must either load (and every tensor read back
// in full) or end in a hone::Error naming the file: never a crash, another exception type, or a
// read outside the mapping (run this suite under -DHONE_SANITIZE=ON to check the last).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hone/io/safetensors_checkpoint.h"
#include "hone/util/atomic_file.h"
#include "hone/util/rng.h"
#include "support/fuzz_mutator.h"
#include "temp_dir.h"

namespace hone {
namespace {

using Bytes = std::string;

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  uint64_t below(uint64_t n) { return n == 0 ? 0 : ((uint64_t(rng_.next_bits()) << 32) | rng_.next_bits()) % n; }
  bool coin() { return below(2) == 0; }

  // One random corruption of a whole safetensors file.
  Bytes mutate_file(Bytes bytes) {
    switch (below(8)) {
      case 0: return flip_bits(std::move(bytes), 0, bytes.size());
      case 1: return flip_bits(std::move(bytes), 0, std::min(bytes.size(), 8 + header_length(bytes)));
      case 2: bytes.resize(below(bytes.size())); return bytes;
      case 3: return bytes + random_bytes(1 + below(16));
      case 4: return set_header_length(std::move(bytes));
      case 5: return with_header(bytes, mutate_text(header_of(bytes)));
      default: return with_header(bytes, mutate_json(header_of(bytes)));
    }
  }

  Bytes flip_bits(Bytes bytes, size_t begin, size_t end) {
    if (end <= begin) return bytes;
    for (uint64_t n = 1 + below(8); n > 0; --n) bytes[begin + below(end - begin)] ^= char(1u << below(8));
    return bytes;
  }

  // Replaces, inserts or deletes a few characters, biased towards JSON punctuation and digits.
  Bytes mutate_text(Bytes text) {
    static const std::string alphabet = "{}[]\":,0123456789-.eE \\ntfu";
    for (uint64_t n = 1 + below(3); n > 0 && !text.empty(); --n) {
      const size_t at = below(text.size());
      const char c = coin() ? alphabet[below(alphabet.size())] : char(below(256));
      switch (below(3)) {
        case 0: text[at] = c; break;
        case 1: text.insert(text.begin() + long(at), c); break;
        default: text.erase(at, 1);
      }
    }
    return text;
  }

  // Parses the header and changes one field of one entry to something plausible or hostile.
  Bytes mutate_json(const Bytes& header) {
    nlohmann::ordered_json j;
    try {
      j = nlohmann::ordered_json::parse(header);
    } catch (const nlohmann::json::exception&) {
      return mutate_text(header);
    }
    if (!j.is_object() || j.empty()) return mutate_text(header);
    auto it = j.begin();
    std::advance(it, long(below(j.size())));
    nlohmann::ordered_json& entry = it.value();
    if (!entry.is_object()) {
      entry = interesting_value();
      return j.dump();
    }
    static const char* const keys[] = {"dtype", "shape", "data_offsets"};
    const std::string key = keys[below(3)];
    switch (below(6)) {
      case 0: entry.erase(key); break;
      case 1: entry[key] = interesting_value(); break;
      case 2: entry["unexpected"] = 1; break;
      case 3:
        if (entry.contains("data_offsets") && entry["data_offsets"].is_array() && entry["data_offsets"].size() == 2 &&
            entry["data_offsets"][0].is_number_unsigned())
          entry["data_offsets"][below(2)] = entry["data_offsets"][0].get<uint64_t>() + below(64) - 32;
        break;
      case 4:
        if (entry.contains("shape") && entry["shape"].is_array()) {
          if (entry["shape"].empty() || coin()) entry["shape"].push_back(below(5));
          else entry["shape"][below(entry["shape"].size())] = interesting_value();
        }
        break;
      default: {
        static const char* const dtypes[] = {"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8",
                                             "U16", "U32", "U64", "BOOL", "F8_E4M3", "F8_E5M2", "Q4", "f32", ""};
        entry["dtype"] = dtypes[below(std::size(dtypes))];
      }
    }
    return j.dump();
  }

  nlohmann::ordered_json interesting_value() {
    switch (below(10)) {
      case 0: return nullptr;
      case 1: return -1;
      case 2: return uint64_t(-1);
      case 3: return uint64_t(1) << 62;
      case 4: return 2.5;
      case 5: return "F32";
      case 6: return nlohmann::ordered_json::array({0, 4});
      case 7: return nlohmann::ordered_json::array({nlohmann::ordered_json::array({1})});
      case 8: return nlohmann::ordered_json::object({{"dtype", "F32"}});
      default: return below(100);
    }
  }

  Bytes random_bytes(size_t n) {
    Bytes out(n, '\0');
    for (auto& c : out) c = char(below(256));
    return out;
  }

  static size_t header_length(const Bytes& bytes) {
    uint64_t len = 0;
    if (bytes.size() >= 8) std::memcpy(&len, bytes.data(), 8);
    return size_t(std::min<uint64_t>(len, bytes.size()));
  }
  static Bytes header_of(const Bytes& bytes) {
    return bytes.size() < 8 ? Bytes() : bytes.substr(8, std::min(header_length(bytes), bytes.size() - 8));
  }
  // The file with its header replaced (and the length field fixed to match), data unchanged.
  static Bytes with_header(const Bytes& original, const Bytes& header) {
    const size_t old_end = std::min(original.size(), 8 + header_length(original));
    Bytes out(8, '\0');
    const uint64_t len = header.size();
    std::memcpy(out.data(), &len, 8);
    return out + header + original.substr(old_end);
  }

  Bytes set_header_length(Bytes bytes) {
    if (bytes.size() < 8) return bytes;
    uint64_t len = header_length(bytes);
    switch (below(4)) {
      case 0: len += below(33) - 16; break;
      case 1: len = (uint64_t(rng_.next_bits()) << 32) | rng_.next_bits(); break;
      case 2: len = bytes.size() - 8 + below(3); break;
      default: len = below(2) ? 0 : 100'000'001;
    }
    std::memcpy(bytes.data(), &len, 8);
    return bytes;
  }

 private:
  Rng rng_;
};

// Reads every value of every loadable tensor, so a validation gap shows up as an out-of-bounds
// read under ASan rather than passing unnoticed.
template <class Reader>
double read_everything(const Reader& reader, const std::vector<std::string>& names) {
  double sum = 0;
  for (const auto& name : names) {
    if (!reader.entry(name).loadable) continue;
    for (double v : reader.get(name).to_doubles()) sum += v == v ? 1 : 0;
  }
  return sum;
}

struct Outcome {
  size_t loaded = 0, rejected = 0;
};

// Runs one case: success or hone::Error whose message starts with `expected_prefix`.
template <class Fn>
void run_case(Fn&& fn, const std::string& expected_prefix, Outcome& outcome, const std::string& what) {
  try {
    fn();
    ++outcome.loaded;
  } catch (const Error& e) {
    ++outcome.rejected;
    EXPECT_EQ(std::string(e.what()).rfind(expected_prefix, 0), 0u) << what << ": " << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << what << ": not one line: " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": escaped as a non-hone exception: " << e.what();
  }
}

NamedTensors seed_tensors() {
  std::vector<float> values(24);
  for (size_t i = 0; i < values.size(); ++i) values[i] = float(i) * 0.5f - 3;
  Tensor base = Tensor::from_floats({4, 6}, values);
  return {{"model.embed_tokens.weight", base},
          {"model.layers.0.self_attn.q_proj.weight", base.to(DType::BF16)},
          {"model.layers.0.self_attn.k_proj.bias", base.view({24}).to(DType::F16)},
          {"model.norm.weight", base.to(DType::F64).view({2, 3, 4})},
          {"labels", Tensor::from_ints({3}, std::vector<int32_t>{1, -100, 7})},
          {"empty", Tensor::zeros({0, 5})}};
}

// A file with the integer and float8 dtypes hone widens or only describes.
Bytes exotic_seed() {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},)"
      R"("mask":{"dtype":"BOOL","shape":[2],"data_offsets":[16,18]},"f8":{"dtype":"F8_E5M2","shape":[2],"data_offsets":[18,20]},)"
      R"("u16":{"dtype":"U16","shape":[2],"data_offsets":[20,24]}})";
  Bytes out(8, '\0');
  const uint64_t len = header.size();
  std::memcpy(out.data(), &len, 8);
  const int64_t ids[2] = {5, -7};
  out += header;
  out.append(reinterpret_cast<const char*>(ids), 16);
  out += std::string("\x01\x00\x3c\x40\x07\x00\xff\xff", 8);
  return out;
}

// The defaults keep the suite at well under a second; a longer campaign is
// HONE_FUZZ_SCALE=100 HONE_FUZZ_SEED=<n> test_io --gtest_filter='SafetensorsFuzz.*'.
int fuzz_scale() {
  const char* scale = std::getenv("HONE_FUZZ_SCALE");
  return scale ? std::max(1, std::atoi(scale)) : 1;
}
// A fresh seed every run (printed; HONE_FUZZ_SEED=<n> repeats it), salted per test.
uint64_t fuzz_seed(uint64_t salt) { return testing::fuzz_seed("safetensors") ^ salt; }
const int kSingleFileCases = 3000 * fuzz_scale();
const int kShardedCases = 1200 * fuzz_scale();

TEST(SafetensorsFuzz, CorruptedSingleFilesLoadOrFailCleanly) {
  testing::TempDir dir("fuzz_single");
  const std::string seed_path = dir.file("seed.safetensors");
  save_safetensors(seed_path, seed_tensors(), {{"format", "pt"}});
  const std::vector<Bytes> seeds = {read_file(seed_path), exotic_seed()};
  const std::string path = dir.file("case.safetensors");
  for (const Bytes& seed : seeds) {  // the seeds themselves are valid
    write_bytes(path, seed);
    SafetensorsFile f = SafetensorsFile::open(path);
    std::vector<std::string> names;
    for (const auto& e : f.entries()) names.push_back(e.name);
    EXPECT_NO_THROW(read_everything(f, names));
  }
  Mutator mutator(fuzz_seed(20240611));
  Outcome outcome;
  for (int i = 0; i < kSingleFileCases; ++i) {
    write_bytes(path, mutator.mutate_file(seeds[size_t(i) % seeds.size()]));
    run_case(
        [&] {
          SafetensorsFile f = SafetensorsFile::open(path);
          std::vector<std::string> names;
          for (const auto& e : f.entries()) names.push_back(e.name);
          read_everything(f, names);
        },
        path, outcome, "case " + std::to_string(i));
  }
  RecordProperty("loaded", int(outcome.loaded));
  RecordProperty("rejected", int(outcome.rejected));
  // Both outcomes must occur, or the mutations are not reaching the interesting paths.
  EXPECT_GT(outcome.loaded, size_t(kSingleFileCases / 20));
  EXPECT_GT(outcome.rejected, size_t(kSingleFileCases / 2));
}

TEST(SafetensorsFuzz, DataOnlyCorruptionAlwaysLoads) {
  // Flipping bits in the data section changes values, never structure: every case must open.
  testing::TempDir dir("fuzz_data");
  const std::string path = dir.file("case.safetensors");
  save_safetensors(path, seed_tensors());
  const Bytes seed = read_file(path);
  const size_t data_start = 8 + Mutator::header_length(seed);
  Mutator mutator(7);
  for (int i = 0; i < 300; ++i) {
    write_bytes(path, mutator.flip_bits(seed, data_start, seed.size()));
    SafetensorsFile f = SafetensorsFile::open(path);
    EXPECT_EQ(f.entries().size(), seed_tensors().size());
    EXPECT_EQ(f.get("labels").numel(), 3);
  }
}

TEST(SafetensorsFuzz, CorruptedShardedCheckpointsLoadOrFailCleanly) {
  testing::TempDir dir("fuzz_sharded");
  CheckpointWriteOptions options;
  options.max_shard_bytes = 100;
  const auto written = save_safetensors_checkpoint(dir.path(), seed_tensors(), options);
  ASSERT_GE(written.size(), 4u);  // at least three shards and the index
  std::vector<Bytes> originals;
  for (const auto& path : written) originals.push_back(read_file(path));
  const size_t index = written.size() - 1;
  EXPECT_EQ(SafetensorsCheckpoint::open(dir.path()).size(), seed_tensors().size());

  Mutator mutator(fuzz_seed(99));
  Outcome outcome;
  for (int i = 0; i < kShardedCases; ++i) {
    // Half the cases damage the index, half one shard.
    const size_t target = i % 2 == 0 ? index : mutator.below(index);
    Bytes damaged;
    if (target != index) {
      damaged = mutator.mutate_file(originals[target]);
    } else if (mutator.coin()) {
      damaged = mutator.mutate_text(originals[index]);
    } else {
      nlohmann::ordered_json j = nlohmann::ordered_json::parse(originals[index]);
      auto& map = j["weight_map"];
      auto it = map.begin();
      std::advance(it, long(mutator.below(map.size())));
      static const char* const shards[] = {"model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
                                           "missing.safetensors", "../model-00001-of-00004.safetensors", "", "/"};
      switch (mutator.below(5)) {
        case 0: it.value() = shards[mutator.below(std::size(shards))]; break;
        case 1: map.erase(it); break;
        case 2: map["not.in.any.shard"] = it.value(); break;
        case 3: it.value() = mutator.interesting_value(); break;
        default: j[mutator.coin() ? "weight_map" : "metadata"] = mutator.interesting_value();
      }
      damaged = j.dump();
    }
    write_bytes(written[target], damaged);
    run_case(
        [&] {
          SafetensorsCheckpoint c = SafetensorsCheckpoint::open(dir.path());
          read_everything(c, c.names());
        },
        dir.path(), outcome, "case " + std::to_string(i));
    write_bytes(written[target], originals[target]);
  }
  RecordProperty("loaded", int(outcome.loaded));
  RecordProperty("rejected", int(outcome.rejected));
  EXPECT_GT(outcome.loaded, size_t(kShardedCases / 50));
  EXPECT_GT(outcome.rejected, size_t(kShardedCases / 2));
}

}  // namespace
}  // namespace hone
