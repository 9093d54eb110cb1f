// Random corruption of valid GGUF files through the reader: bit flips, byte overwrites,
// truncations, absurd counts and lengths, wrong type ids, deleted and duplicated spans. Each case
// must end in success (then every tensor is read and dequantized and every value described) or a
// hone::Error — never a crash, another exception, or a leak (run under ASan+UBSan too).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <iostream>

#include "hone/io/gguf_file.h"
#include "hone/io/gguf_writer.h"
#include "hone/util/rng.h"
#include "support/fuzz_mutator.h"

namespace hone {
namespace {

std::string valid_image(uint32_t alignment) {
  GgufMetadata m;
  m.set("general.architecture", GgufValue::string("llama"));
  m.set("general.alignment", GgufValue::u32(alignment));
  m.set("llama.block_count", GgufValue::u32(2));
  m.set("llama.rope.freq_base", GgufValue::f32(10000.0f));
  m.set("test.i64", GgufValue::i64(-5));
  m.set("test.f64", GgufValue::f64(0.5));
  m.set("test.bool", GgufValue::boolean(true));
  m.set("tokenizer.ggml.tokens", GgufValue::string_array({"<s>", "</s>", "a", "bc"}));
  m.set("tokenizer.ggml.scores", GgufValue::f32_array({0.0f, -1.0f, -2.0f, -3.0f}));
  m.set("test.nested", GgufValue::array(GgufType::ARRAY, {GgufValue::i32_array({1, 2}), GgufValue::i32_array({3})}));
  std::vector<float> values(256 * 2);
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::cos(float(i)) * float(1 + i % 5);
  const Tensor x = Tensor::from_floats({2, 256}, values);
  return gguf_bytes(m, {{"token_embd.weight", x.to(DType::Q4_0)},
                        {"blk.0.attn_q.weight", x.to(DType::Q8_0)},
                        {"blk.0.ffn_down.weight", x.to(DType::Q4_K)},
                        {"output.weight", x.to(DType::Q6_K)},
                        {"output_norm.weight", x.view({512})},
                        {"blk.0.attn_norm.weight", x.to(DType::F16).view({8, 64})},
                        {"blk.1.attn_norm.weight", x.to(DType::BF16)}});
}

// Where the file's structure lives: the bytes before the data section (the writer stores tensors
// densely in order, the last one padded to the alignment).
size_t structure_bytes(const std::string& image) {
  const GgufFile f = GgufFile::from_bytes("valid", {image.begin(), image.end()});
  const GgufTensorInfo& last = f.tensors().back();
  const size_t end = size_t(last.offset) + last.bytes;
  return image.size() - (end + (f.alignment() - end % f.alignment()) % f.alignment());
}

std::string mutate(const std::string& image, size_t structure, Rng& rng) {
  std::string out = image;
  const int edits = 1 + int(rng.next_bits() % 3);
  for (int e = 0; e < edits && !out.empty(); ++e) {
    // Most edits hit the header, metadata and tensor infos, where a reader can go wrong.
    const size_t span = rng.next_bits() % 8 == 0 ? out.size() : std::min(structure, out.size());
    const size_t at = rng.next_bits() % span;
    switch (rng.next_bits() % 8) {
      case 0:  // flip one bit
        out[at] = char(out[at] ^ char(1u << (rng.next_bits() % 8)));
        break;
      case 1:  // overwrite a byte
        out[at] = char(rng.next_bits());
        break;
      case 2:  // truncate
        out.resize(at);
        break;
      case 3: {  // an absurd or borderline 64-bit count/length/offset
        static const uint64_t kValues[] = {0, 1, 0xFFFFFFFFFFFFFFFFull, 0x8000000000000000ull, uint64_t(1) << 30,
                                           (uint64_t(1) << 30) + 1, uint64_t(1) << 32, 63, 64, 4096};
        uint64_t v = kValues[rng.next_bits() % (sizeof(kValues) / 8)];
        if (rng.next_bits() % 4 == 0) v = out.size() + rng.next_bits() % 64;
        std::memcpy(out.data() + at, &v, std::min<size_t>(8, out.size() - at));
        break;
      }
      case 4: {  // a type id or dimension count, in and out of range
        const uint32_t v = rng.next_bits() % 48;
        std::memcpy(out.data() + at, &v, std::min<size_t>(4, out.size() - at));
        break;
      }
      case 5: {  // delete a span
        const size_t len = std::min<size_t>(out.size() - at, 1 + rng.next_bits() % 16);
        out.erase(at, len);
        break;
      }
      case 6: {  // duplicate a span
        const size_t len = std::min<size_t>(out.size() - at, 1 + rng.next_bits() % 16);
        out.insert(at, out.substr(at, len));
        break;
      }
      default: {  // swap two bytes
        const size_t other = rng.next_bits() % out.size();
        std::swap(out[at], out[other]);
        break;
      }
    }
  }
  return out;
}

// Touches everything a successful parse hands out.
double exercise(const GgufFile& f) {
  double checksum = 0;
  for (const auto& [key, value] : f.metadata().entries()) checksum += double(value.describe().size() + key.size());
  for (const auto& info : f.tensors()) {
    const Tensor t = f.get(info.name);
    for (double v : t.to_doubles()) checksum += std::isfinite(v) ? 0.0 : 1.0;
  }
  return checksum;
}

TEST(GgufFuzz, RandomCorruptionsEndInSuccessOrError) {
  int accepted = 0, rejected = 0;
  for (uint32_t alignment : {32u, 1u}) {
    const std::string image = valid_image(alignment);
    const size_t structure = structure_bytes(image);
    ASSERT_GT(structure, 100u);
    // A fresh seed every run (printed; HONE_FUZZ_SEED=<n> repeats it).
    Rng rng(testing::fuzz_seed("GGUF, alignment " + std::to_string(alignment)) ^ alignment);
    for (int i = 0; i < 2500; ++i) {
      const std::string corrupt = mutate(image, structure, rng);
      try {
        const GgufFile f = GgufFile::from_bytes("fuzz.gguf", {corrupt.begin(), corrupt.end()});
        exercise(f);
        ++accepted;
      } catch (const Error& e) {
        const std::string msg = e.what();
        ASSERT_EQ(msg.rfind("fuzz.gguf: ", 0), 0u) << msg;
        ASSERT_EQ(msg.find('\n'), std::string::npos) << msg;
        ++rejected;
      } catch (const std::exception& e) {
        FAIL() << "case " << i << ": not a hone::Error: " << e.what();
      }
    }
  }
  // Both outcomes occur, so the corruptions are neither all harmless nor all caught at the magic.
  std::cout << "[          ] " << accepted << " corrupt files accepted, " << rejected << " rejected\n";
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 1000);
}

}  // namespace
}  // namespace hone
