// GGUF write -> read: every metadata type (arrays, nested arrays, empty arrays), every tensor
// type hone stores, custom alignments; and a file assembled by hand read by the spec's layout.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "hone/io/gguf_file.h"
#include "hone/io/gguf_writer.h"
#include "hone/tensor/half.h"
#include "hone/util/atomic_file.h"
#include "gguf_raw_bytes.h"

namespace hone {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("hone_gguf_" + std::to_string(::getpid()) + "_" + name)).string();
}

GgufMetadata every_type_metadata() {
  GgufMetadata m;
  m.set("general.architecture", GgufValue::string("llama"));
  m.set("test.u8", GgufValue::u8(200));
  m.set("test.i8", GgufValue::i8(-100));
  m.set("test.u16", GgufValue::u16(60000));
  m.set("test.i16", GgufValue::i16(-30000));
  m.set("test.u32", GgufValue::u32(4000000000u));
  m.set("test.i32", GgufValue::i32(-2000000000));
  m.set("test.f32", GgufValue::f32(1.5e-5f));
  m.set("test.bool_true", GgufValue::boolean(true));
  m.set("test.bool_false", GgufValue::boolean(false));
  m.set("test.string", GgufValue::string("h\xc3\xa9llo\nworld"));
  m.set("test.empty_string", GgufValue::string(""));
  m.set("test.u64", GgufValue::u64(uint64_t(1) << 63));
  m.set("test.i64", GgufValue::i64(-(int64_t(1) << 62)));
  m.set("test.f64", GgufValue::f64(3.141592653589793));
  m.set("test.strings", GgufValue::string_array({"<s>", "</s>", "", "\xe2\x96\x81the"}));
  m.set("test.f32s", GgufValue::f32_array({0.0f, -1.25f, 1e30f}));
  m.set("test.i32s", GgufValue::i32_array({1, 2, -3}));
  m.set("test.bools", GgufValue::array(GgufType::BOOL, {GgufValue::boolean(true), GgufValue::boolean(false)}));
  m.set("test.u64s", GgufValue::array(GgufType::U64, {GgufValue::u64(7)}));
  m.set("test.empty", GgufValue::array(GgufType::F64, {}));
  m.set("test.nested", GgufValue::array(GgufType::ARRAY, {GgufValue::u32_array({1, 2}), GgufValue::u32_array({}),
                                                           GgufValue::array(GgufType::U32, {GgufValue::u32(3)})}));
  return m;
}

NamedTensors every_type_tensors() {
  std::vector<float> values(2 * 256);
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(float(i) * 0.37f) * (1.0f + float(i % 7));
  const Tensor base = Tensor::from_floats({2, 256}, values);
  return {
      {"f32", base.view({4, 128})},
      {"f16", base.to(DType::F16).view({512})},
      {"bf16", base.to(DType::BF16).view({2, 2, 2, 64})},
      {"q8_0", base.to(DType::Q8_0)},
      {"q4_0", base.to(DType::Q4_0).view({16, 32})},
      {"q4_k", base.to(DType::Q4_K)},
      {"q6_k", base.to(DType::Q6_K).view({1, 2, 256})},
      {"i32", Tensor::from_ints({3}, std::vector<int32_t>{1, -2, 3})},
      {"f64", Tensor::from_doubles({1, 3}, std::vector<double>{0.1, 0.2, 0.3})},
      {"scalar", Tensor::full({}, 2.5)},
  };
}

std::vector<unsigned char> raw_bytes(const Tensor& t) {
  const auto* p = static_cast<const unsigned char*>(t.raw());
  return {p, p + t.nbytes()};
}

void expect_same_file_contents(const GgufFile& f, const GgufMetadata& metadata, const NamedTensors& tensors) {
  EXPECT_EQ(f.version(), 3u);
  EXPECT_TRUE(f.metadata() == metadata);
  ASSERT_EQ(f.tensors().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, expected] = tensors[i];
    EXPECT_EQ(f.tensors()[i].name, name) << "tensors keep their order";
    const Tensor t = f.get(name);
    EXPECT_EQ(t.name(), name);
    EXPECT_EQ(t.dtype(), expected.dtype()) << name;
    EXPECT_EQ(t.shape(), expected.rank() == 0 ? Shape{1} : expected.shape()) << name;
    EXPECT_EQ(raw_bytes(t), raw_bytes(expected)) << name;
    EXPECT_EQ(f.tensors()[i].offset % f.alignment(), 0u) << name;
  }
}

TEST(GgufRoundTrip, EveryMetadataTypeAndTensorType) {
  const std::string path = temp_path("rt.gguf");
  const GgufMetadata metadata = every_type_metadata();
  const NamedTensors tensors = every_type_tensors();
  save_gguf(path, metadata, tensors);
  const GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.alignment(), 32u);
  expect_same_file_contents(f, metadata, tensors);
  // Block-quantized tensors are used in place, not copied.
  const Tensor q = f.get("q4_k");
  EXPECT_NE(q.impl().storage->owner, nullptr);
  EXPECT_EQ(f.metadata().get_string_array("test.strings")[3], "\xe2\x96\x81the");
  EXPECT_EQ(f.metadata().at("test.nested").as_array().items[2].as_array().items[0].as_uint(), 3u);
  // The bytes in memory are the file's bytes.
  const std::string image = gguf_bytes(metadata, tensors);
  EXPECT_EQ(read_file(path), image);
  std::filesystem::remove(path);
}

TEST(GgufRoundTrip, CustomAlignments) {
  for (uint32_t alignment : {1u, 2u, 8u, 64u, 4096u}) {
    GgufMetadata metadata = every_type_metadata();
    metadata.set("general.alignment", GgufValue::u32(alignment));
    const NamedTensors tensors = every_type_tensors();
    const std::string image = gguf_bytes(metadata, tensors);
    const GgufFile f = GgufFile::from_bytes("aligned.gguf", {image.begin(), image.end()});
    EXPECT_EQ(f.alignment(), alignment);
    expect_same_file_contents(f, metadata, tensors);
  }
}

TEST(GgufRoundTrip, WriterRefusesWhatGgufCannotHold) {
  const std::string path = temp_path("refused.gguf");
  GgufMetadata m;
  auto expect_refused = [&](const NamedTensors& tensors, const std::string& needle) {
    try {
      save_gguf(path, m, tensors);
      ADD_FAILURE() << "expected an error containing '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(path)) << "no partial file is left behind";
  };
  const Tensor small = Tensor::zeros({2, 64});
  expect_refused({{"a", small}, {"a", small}}, "given twice");
  expect_refused({{std::string(64, 'x'), small}}, "1 to 63 bytes");
  expect_refused({{"", small}}, "1 to 63 bytes");
  expect_refused({{"w", Tensor::zeros({2, 64}).to(DType::Q8_0).view({128, 1})}}, "not whole q8_0 blocks");
  expect_refused({{"w", Tensor::zeros({64}, DType::NF4)}}, "GGUF has no tensor type for nf4");
  m.set("general.alignment", GgufValue::u64(32));
  expect_refused({{"a", small}}, "must be a u32");
  m.set("general.alignment", GgufValue::u32(48));
  expect_refused({{"a", small}}, "power of two");
  m = GgufMetadata();
  m.set("bad.array", GgufValue::array(GgufType::U32, {GgufValue::u32(1), GgufValue::string("x")}));
  expect_refused({}, "holds a string at index 1");
}

TEST(GgufRoundTrip, ReadsAHandAssembledFile) {
  // Independent of the writer: header, two metadata entries, a q8_0 [ne 32, 2] tensor and an
  // f32 [ne 3] tensor, laid out exactly as the spec says.
  testing::RawGguf r = testing::RawGguf::header(2, 2);
  r.str("general.architecture").u32(8).str("llama");
  r.str("llama.block_count").u32(4).u32(22);
  r.tensor_info("blk.0.attn_q.weight", {32, 2}, 8, 0);
  r.tensor_info("output_norm.weight", {3}, 0, 96);  // 68 bytes of q8_0 padded to 96
  r.pad(32);
  for (int block = 0; block < 2; ++block) {
    r.put<uint16_t>(f32_to_f16(block == 0 ? 0.5f : -0.25f));
    for (int j = 0; j < 32; ++j) r.put<int8_t>(int8_t(j - 16));
  }
  r.pad(32);
  r.f32(1.0f).f32(2.0f).f32(-3.0f);
  const GgufFile f = GgufFile::from_bytes("hand.gguf", {r.bytes.begin(), r.bytes.end()});
  EXPECT_EQ(f.metadata().get_string("general.architecture"), "llama");
  EXPECT_EQ(f.metadata().get_uint("llama.block_count"), 22u);
  const Tensor q = f.get("blk.0.attn_q.weight");
  EXPECT_EQ(q.shape(), (Shape{2, 32}));  // ggml [32, 2] is hone [2, 32]
  EXPECT_EQ(q.dtype(), DType::Q8_0);
  const auto v = q.to_doubles();
  EXPECT_EQ(v[0], -8.0);
  EXPECT_EQ(v[31], 7.5);
  EXPECT_EQ(v[32], 4.0);
  EXPECT_EQ(f.get("output_norm.weight").to_doubles(), (std::vector<double>{1, 2, -3}));
  EXPECT_EQ(f.info("output_norm.weight").offset, 96u);
}

TEST(GgufRoundTrip, EmptyFileHasNoTensors) {
  const std::string image = gguf_bytes(GgufMetadata(), {});
  EXPECT_EQ(image.size(), 24u);  // the header alone: padding comes only before a data section
  const GgufFile f = GgufFile::from_bytes("empty.gguf", {image.begin(), image.end()});
  EXPECT_EQ(f.tensors().size(), 0u);
  EXPECT_EQ(f.metadata().size(), 0u);
}

}  // namespace
}  // namespace hone
