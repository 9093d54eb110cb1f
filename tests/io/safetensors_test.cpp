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
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
  std::filesystem::remove(path);
}

TEST(Safetensors, BadFilesGiveClearErrors) {
  expect_error("", 0, "not valid JSON", 0);
  {
    const std::string path = temp_path("short.safetensors");
    std::ofstream(path, std::ios::binary) << "abc";
    EXPECT_THROW(SafetensorsFile::open(path), Error);
    std::filesystem::remove(path);
  }
  expect_error("{}", 0, "absurd", uint64_t(1) << 40);
  expect_error("{}", 0, "runs past the end", 1000);
  expect_error("{not json", 0, "not valid JSON");
  expect_error("[]", 0, "not a JSON object");
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
