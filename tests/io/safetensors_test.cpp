// safetensors: round trip, metadata, and a clear error for each kind of bad file.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "hone/io/safetensors.h"
#include "hone/util/atomic_file.h"

namespace hone {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("hone_st_" + std::to_string(::getpid()) + "_" + name)).string();
}

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  const std::string path = temp_path("rt.safetensors");
  Tensor a = Tensor::from_floats({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  Tensor b = a.to(DType::BF16);
  Tensor c = a.to(DType::F16).view({3, 2});
  Tensor d = Tensor::from_ints({3}, std::vector<int32_t>{1, -2, 3});
  Tensor e = a.to(DType::F64);
  save_safetensors(path, {{"a", a}, {"b", b}, {"c", c}, {"d", d}, {"e", e}}, {{"format", "pt"}});
  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  ASSERT_EQ(f.entries().size(), 5u);
  EXPECT_EQ(f.get("a").to_doubles(), a.to_doubles());
  EXPECT_EQ(f.get("b").dtype(), DType::BF16);
  EXPECT_EQ(f.get("b").to_doubles(), a.to_doubles());
  EXPECT_EQ(f.get("c").shape(), (Shape{3, 2}));
  EXPECT_EQ(f.get("d").to_doubles(), d.to_doubles());
  EXPECT_EQ(f.get("e").dtype(), DType::F64);
  EXPECT_THROW(f.get("zzz"), Error);
  std::filesystem::remove(path);
}

// Writes an 8-byte length + header + data.
void write_raw(const std::string& path, const std::string& header, size_t data_bytes, uint64_t declared = 0) {
  std::ofstream out(path, std::ios::binary);
  const uint64_t len = declared ? declared : header.size();
  out.write(reinterpret_cast<const char*>(&len), 8);
  out << header << std::string(data_bytes, '\0');
}

void expect_error(const std::string& header, size_t data, const std::string& needle, uint64_t declared = 0) {
  const std::string path = temp_path("bad.safetensors");
  write_raw(path, header, data, declared);
  try {
    SafetensorsFile::open(path);
    ADD_FAILURE() << "expected an error containing '" << needle << "' for " << header;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path, 0), 0u) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "not one line: " << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
  std::filesystem::remove(path);
}

TEST(Safetensors, BadFilesGiveClearErrors) {
  expect_error("", 0, "does not start with '{'", 0);
  {
    const std::string path = temp_path("short.safetensors");
    std::ofstream(path, std::ios::binary) << "abc";
    EXPECT_THROW(SafetensorsFile::open(path), Error);
    std::filesystem::remove(path);
  }
  expect_error("{}", 0, "absurd", uint64_t(1) << 40);
  expect_error("{}", 0, "runs past the end", 1000);
  expect_error("{not json", 0, "not valid JSON");
  expect_error("[]", 0, "does not start with '{'");
  expect_error(" {}", 0, "does not start with '{'");
  expect_error(R"({"w":{"dtype":"Q9","shape":[2],"data_offsets":[0,8]}})", 8, "unsupported dtype");
  expect_error(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8, "needs 12 bytes");
  expect_error(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4, "outside the data section");
  expect_error(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8, "non-negative");
  expect_error(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8, "outside the data section");
  expect_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
               12, "overlap");
  expect_error(R"({"w":{"dtype":"F32","shape":[2]}})", 8, "data_offsets");
  expect_error(R"({"__metadata__":{"a":1}})", 0, "not a string");
}

// The rules the reference implementation adds beyond per-entry checks: the tensors must tile the
// data section exactly, names are unique, and the header is plain UTF-8 JSON of bounded depth.
TEST(Safetensors, DataSectionMustBeTiledExactly) {
  const std::string f32x2 = R"("dtype":"F32","shape":[2])";
  expect_error(R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]},"b":{)" + f32x2 + R"(,"data_offsets":[12,20]}})", 20,
               "gap of 4 bytes in the data section between tensors 'a' and 'b'");
  expect_error(R"({"a":{)" + f32x2 + R"(,"data_offsets":[4,12]}})", 12, "gap of 4 bytes at the start");
  expect_error(R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]}})", 11, "3 bytes after the last tensor");
  expect_error("{}", 5, "5 bytes after the last tensor");
  // Zero-size tensors take no room and may sit anywhere in the tiling.
  const std::string path = temp_path("empty_tensor.safetensors");
  write_raw(path, R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]}})", 8);
  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.get("z").numel(), 0);
  EXPECT_EQ(f.get("a").numel(), 2);
  std::filesystem::remove(path);
}

TEST(Safetensors, HeaderMustBeUniqueBoundedUtf8Json) {
  expect_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
               8, "names 'a' twice");
  expect_error(R"({"a":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", 4, "nests deeper");
  expect_error("{\"a\xff\":{}}", 0, "not valid JSON");
  // A name with a newline still gives a one-line message.
  expect_error(R"({"bad\nname":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", 8, "tensor 'bad\\x0aname'");
  expect_error("{}", 0, "absurd", 100'000'001);  // the reference implementation's exact limit
  expect_error(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", 8, "unknown key 'extra'");
  expect_error(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}})", 8, "two non-negative integers");
  expect_error(R"({"w":{"dtype":"F32","shape":[1,1,1,1,1],"data_offsets":[0,4]}})", 4, "5 dimensions");
  expect_error(R"({"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})", 4,
               "absurd shape");
  // Trailing whitespace of any JSON kind is padding, as in the reference implementation's tests.
  {
    const std::string path = temp_path("padded.safetensors");
    write_raw(path, "{}\r \t\n", 0);
    EXPECT_TRUE(SafetensorsFile::open(path).entries().empty());
    std::filesystem::remove(path);
  }
  // An explicit null __metadata__ is accepted, as by the reference implementation.
  const std::string path = temp_path("null_meta.safetensors");
  write_raw(path, R"({"__metadata__":null})", 0);
  EXPECT_TRUE(SafetensorsFile::open(path).metadata().empty());
  std::filesystem::remove(path);
}

TEST(Safetensors, IntegerAndFloat8DtypesLoadOrExplain) {
  const std::string path = temp_path("ints.safetensors");
  std::string data;
  auto put = [&](const auto& v) { data.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(uint16_t(65535)); put(uint16_t(7));         // u16 [0, 4)
  put(uint32_t(123456)); put(uint32_t(1));        // u32 [4, 12)
  put(int64_t(-5)); put(int64_t(1) << 40);        // i64 [12, 28): second value too big for I32
  put(uint8_t(200)); put(uint8_t(3));             // f8 [28, 30)
  {
    std::ofstream out(path, std::ios::binary);
    const std::string header =
        R"({"u16":{"dtype":"U16","shape":[2],"data_offsets":[0,4]},"u32":{"dtype":"U32","shape":[2],"data_offsets":[4,12]},)"
        R"("i64":{"dtype":"I64","shape":[2],"data_offsets":[12,28]},"f8":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[28,30]}})";
    const uint64_t len = header.size();
    out.write(reinterpret_cast<const char*>(&len), 8);
    out << header << data;
  }
  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.get("u16").to_doubles(), (std::vector<double>{65535, 7}));
  EXPECT_EQ(f.get("u32").to_doubles(), (std::vector<double>{123456, 1}));
  EXPECT_EQ(f.get("u32").dtype(), DType::I32);
  try {
    f.get("i64");
    ADD_FAILURE() << "expected a range error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not fit in 32 bits"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(f.entry("f8").loadable);
  EXPECT_EQ(f.entry("f8").shape, (Shape{2}));
  try {
    f.get("f8");
    ADD_FAILURE() << "expected an unsupported-dtype error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("F8_E4M3, which hone cannot load"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

// The committed goldens come from the Python reference scripts (tests/reference/golden_common.py),
// a second, independent writer: the tightened reader must accept everything it produces.
TEST(Safetensors, OpensFilesWrittenByTheReferenceImplementation) {
  size_t opened = 0;
  for (const auto& item : std::filesystem::directory_iterator(HONE_GOLDEN_DIR)) {
    if (item.path().extension() != ".safetensors") continue;
    SafetensorsFile f = SafetensorsFile::open(item.path().string());
    for (const auto& e : f.entries()) EXPECT_EQ(f.get(e.name).numel(), e.shape.numel()) << item.path();
    ++opened;
  }
  EXPECT_GT(opened, 0u) << "no golden files in " << HONE_GOLDEN_DIR;
}

// The exact bytes the reference implementation (huggingface/safetensors) writes for these inputs,
// as its own serialization tests pin them: same header layout, key order and space padding.
TEST(Safetensors, WritesTheSameBytesAsTheReferenceImplementation) {
  auto expected_file = [](const std::string& header, const std::string& data) {
    std::string out(8, '\0');
    const uint64_t len = header.size();
    std::memcpy(out.data(), &len, 8);
    return out + header + data;
  };
  const std::string path = temp_path("reference_bytes.safetensors");
  std::vector<float> values = {0, 1, 2, 3, 4, 5};
  save_safetensors(path, {{"attn0", Tensor::from_floats({1, 1, 2, 3}, values)}});
  EXPECT_EQ(read_file(path),
            expected_file(R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})" + std::string(7, ' '),
                          std::string(reinterpret_cast<const char*>(values.data()), 24)));
  save_safetensors(path, {});
  EXPECT_EQ(read_file(path), expected_file("{}" + std::string(6, ' '), ""));
  save_safetensors(path, {}, {{"framework", "pt"}});
  EXPECT_EQ(read_file(path), expected_file(R"({"__metadata__":{"framework":"pt"}})" + std::string(5, ' '), ""));
  std::filesystem::remove(path);
}

TEST(Safetensors, WriteIsAtomic) {
  const std::string path = temp_path("atomic.safetensors");
  save_safetensors(path, {{"a", Tensor::zeros({2})}});
  EXPECT_THROW(save_safetensors(path, {{"a", Tensor::zeros({2})}, {"a", Tensor::zeros({2})}}), Error);
  EXPECT_EQ(SafetensorsFile::open(path).entries().size(), 1u);  // old file intact
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
    EXPECT_EQ(entry.path().string().find(path + ".tmp"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace hone
