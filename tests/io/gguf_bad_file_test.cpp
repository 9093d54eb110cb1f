// Malformed GGUF files, one fault each (the failure modes of ggml's test-gguf.cpp and more):
// every one is a single-line hone::Error naming the file and the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "hone/io/gguf_file.h"
#include "gguf_raw_bytes.h"

namespace hone {
namespace {

using testing::RawGguf;

void expect_error(const RawGguf& file, const std::string& needle) {
  SCOPED_TRACE(needle);
  try {
    GgufFile::from_bytes("bad.gguf", {file.bytes.begin(), file.bytes.end()});
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("bad.gguf: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
}

// One valid metadata entry followed by a tensor info; the callers break one part of it.
RawGguf with_tensor(const std::string& name, std::initializer_list<int64_t> ne, uint32_t type, uint64_t offset,
                    size_t data_bytes) {
  RawGguf r = RawGguf::header(1, 1);
  r.str("general.architecture").u32(8).str("llama");
  r.tensor_info(name, ne, type, offset).pad(32);
  r.bytes.append(data_bytes, '\0');
  return r;
}

TEST(GgufBadFile, Header) {
  expect_error(RawGguf{"GGU"}, "too short");
  RawGguf magic = RawGguf::header(0, 0);
  magic.bytes[3] = 'G';
  expect_error(magic, "bad magic 'GGUG'");
  expect_error(RawGguf::header(0, 0, 1), "version 1 is not supported");
  expect_error(RawGguf::header(0, 0, 4), "version 4 is newer");
  expect_error(RawGguf::header(0, 0, 0x03000000), "byte-swapped");
  expect_error(RawGguf::header(0, 0, 0), "byte-swapped");
  expect_error(RawGguf::header(-1, 0), "tensor count -1 is negative");
  expect_error(RawGguf::header(0, -5), "metadata count -5 is negative");
  expect_error(RawGguf::header(0, int64_t(1) << 40), "metadata count 1099511627776 is absurd");
  expect_error(RawGguf::header(int64_t(1) << 62, 0), "is absurd for a file of 24 bytes");
  expect_error(RawGguf{}.raw("GGUF").u32(3).u8(1), "truncated: tensor count at byte 8");
}

TEST(GgufBadFile, Metadata) {
  RawGguf truncated = RawGguf::header(0, 1);
  truncated.str("general.name").u32(8).u64(100).raw("short");
  expect_error(truncated, "metadata key 'general.name': truncated: string value");
  expect_error(RawGguf::header(0, 1).u64(uint64_t(1) << 40).raw("xxxxxxxx"), "absurd length of 1099511627776");
  expect_error(RawGguf::header(0, 1).str("").u32(4).u32(1), "empty key");
  expect_error(RawGguf::header(0, 2).str("a.b").u32(4).u32(1).str("a.b").u32(4).u32(2), "key 'a.b' appears twice");
  expect_error(RawGguf::header(0, 1).str("a.b").u32(13).u32(1), "value type 13 is not a GGUF value type");
  expect_error(RawGguf::header(0, 1).str("a.b").u32(7).u8(2).raw("padding......."), "bool value at byte");
  expect_error(RawGguf::header(0, 1).str("a.b").u32(9).u32(4).u64(uint64_t(1) << 40).raw("x"),
               "array length 1099511627776 is absurd");
  expect_error(RawGguf::header(0, 1).str("a.b").u32(9).u32(4).u64(1000).u32(1), "truncated: array of 1000 u32");
  expect_error(RawGguf::header(0, 1).str("a.b").u32(9).u32(20).u64(1).u32(1), "array element type 20");
  RawGguf deep = RawGguf::header(0, 1);
  deep.str("a.deep").u32(9);
  for (int i = 0; i < 20; ++i) deep.u32(9).u64(1);
  deep.u32(4).u64(1).u32(0);
  expect_error(deep, "nested more than 8 deep");
  expect_error(RawGguf::header(0, 1).str("general.alignment").u32(10).u64(32), "general.alignment is u64 32");
  expect_error(RawGguf::header(0, 1).str("general.alignment").u32(4).u32(24), "general.alignment 24 is not a power");
  expect_error(RawGguf::header(0, 1).str("general.alignment").u32(4).u32(0), "general.alignment 0 is not a power");
  // A key made of control bytes is escaped, so the message stays one line.
  expect_error(RawGguf::header(0, 2).str("\n\x01").u32(4).u32(1).str("\n\x01").u32(4).u32(1), "'\\x0a\\x01' appears");
}

TEST(GgufBadFile, TensorInfos) {
  expect_error(with_tensor(std::string(64, 'w'), {32}, 0, 0, 128), "64 bytes long (ggml allows at most 63)");
  expect_error(with_tensor("", {32}, 0, 0, 128), "empty name");
  RawGguf dims = RawGguf::header(1, 0);
  dims.str("w").u32(5).i64(1).i64(1).i64(1).i64(1).i64(1).u32(0).u64(0);
  expect_error(dims, "tensor 'w': has 5 dimensions");
  expect_error(with_tensor("w", {32, -2}, 0, 0, 128), "tensor 'w': dimension 1 is negative");
  expect_error(with_tensor("w", {int64_t(1) << 40, int64_t(1) << 40}, 0, 0, 128), "element count overflows");
  expect_error(with_tensor("blk.0.ffn_down.weight", {256}, 13, 0, 256),
               "tensor 'blk.0.ffn_down.weight': has ggml type 13 (q5_k), which hone does not read");
  expect_error(with_tensor("w", {32}, 99, 0, 256), "ggml type 99 (unknown type 99)");
  expect_error(with_tensor("w", {32}, 4, 0, 256), "removed type 4");
  expect_error(with_tensor("w", {33, 2}, 8, 0, 256), "row length 33 is not a multiple of the q8_0 block size 32");
  expect_error(with_tensor("w", {8}, 0, 4, 256), "data offset 4 is not a multiple of the alignment 32");
  RawGguf twice = RawGguf::header(2, 0);
  twice.tensor_info("w", {8}, 0, 0).tensor_info("w", {8}, 0, 32).pad(32);
  twice.bytes.append(64, '\0');
  expect_error(twice, "tensor 'w' appears twice");
}

TEST(GgufBadFile, DataSection) {
  expect_error(with_tensor("w", {64}, 0, 0, 255), "tensor 'w': data [0, 256) runs past the end of the 255-byte");
  expect_error(with_tensor("w", {64}, 0, uint64_t(1) << 63, 256), "runs past the end");
  RawGguf overlap = RawGguf::header(2, 0);
  overlap.tensor_info("a", {8}, 0, 0).tensor_info("b", {8}, 0, 32).pad(32);
  overlap.bytes.append(64, '\0');
  EXPECT_NO_THROW(GgufFile::from_bytes("ok.gguf", {overlap.bytes.begin(), overlap.bytes.end()}));
  overlap = RawGguf::header(2, 0);
  overlap.tensor_info("a", {16}, 0, 32).tensor_info("b", {16}, 0, 0).pad(32);
  overlap.bytes.append(96, '\0');
  expect_error(overlap, "tensors 'b' and 'a' overlap");
  // The infos end past the last byte, so the data section cannot start.
  RawGguf no_data = RawGguf::header(1, 0);
  no_data.tensor_info("w", {1}, 0, 0);
  expect_error(no_data, "data section would start at byte 64");
}

// Issue 11, item 10: a changed type field (f32 -> bf16) halves the bytes the reader takes, and
// the tensor loaded as other numbers; the size implied by type and shape must fill its extent.
TEST(GgufBadFile, TypeThatDisagreesWithTheDataExtent) {
  RawGguf two = RawGguf::header(2, 0);
  two.tensor_info("a", {16}, 30, 0).tensor_info("b", {16}, 0, 64).pad(32);
  two.bytes.append(128, '\0');
  expect_error(two, "tensor 'a': its type bf16 and shape [16] make 32 bytes, but its data extends 64 bytes");
  RawGguf last = RawGguf::header(1, 0);
  last.tensor_info("w", {16}, 30, 0).pad(32);
  last.bytes.append(64, '\0');
  expect_error(last, "tensor 'w': its type bf16 and shape [16] make 32 bytes, but its data extends 64 bytes");
  // Padding to the alignment is not a gap.
  RawGguf padded = RawGguf::header(1, 0);
  padded.tensor_info("w", {3}, 0, 0).pad(32);
  padded.bytes.append(32, '\0');
  EXPECT_NO_THROW(GgufFile::from_bytes("ok.gguf", {padded.bytes.begin(), padded.bytes.end()}));
}

TEST(GgufBadFile, MissingFileAndMissingTensor) {
  try {
    GgufFile::open("/nonexistent/model.gguf");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.gguf"), std::string::npos);
  }
  const std::string path =
      (std::filesystem::temp_directory_path() / ("hone_gguf_trunc_" + std::to_string(::getpid()) + ".gguf")).string();
  const RawGguf ok = with_tensor("w", {64}, 0, 0, 256);
  std::ofstream(path, std::ios::binary).write(ok.bytes.data(), std::streamsize(ok.bytes.size() - 10));
  try {
    GgufFile::open(path);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": tensor 'w'", 0), 0u) << e.what();
  }
  std::filesystem::remove(path);
  const GgufFile f = GgufFile::from_bytes("ok.gguf", {ok.bytes.begin(), ok.bytes.end()});
  try {
    f.get("v");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "ok.gguf: no tensor named 'v'");
  }
}

}  // namespace
}  // namespace hone
