// GgufMetadata's typed getters: the conversions they allow (u32 or u64 counts, f32 or f64
// floats) and the errors for a missing key or a wrong type, which name the file and the key.
#include <gtest/gtest.h>

#include <functional>

#include "hone/io/gguf_value.h"
#include "hone/util/error.h"

namespace hone {
namespace {

void expect_error(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

GgufMetadata sample() {
  GgufMetadata m("model.gguf");
  m.set("general.architecture", GgufValue::string("llama"));
  m.set("llama.block_count", GgufValue::u32(22));
  m.set("llama.context_length", GgufValue::u64(2048));
  m.set("count.i32", GgufValue::i32(-3));
  m.set("count.i8", GgufValue::i8(5));
  m.set("llama.rope.freq_base", GgufValue::f32(500000.0f));
  m.set("eps.f64", GgufValue::f64(1e-5));
  m.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(true));
  m.set("tokenizer.ggml.tokens", GgufValue::string_array({"a", "b"}));
  m.set("tokenizer.ggml.scores", GgufValue::f32_array({-1.0f, -2.5f}));
  m.set("tokenizer.ggml.token_type", GgufValue::i32_array({1, 3}));
  m.set("mixed", GgufValue::array(GgufType::U64, {GgufValue::u64(1), GgufValue::u64(uint64_t(1) << 63)}));
  return m;
}

TEST(GgufMetadata, TypedGettersConvertExactly) {
  const GgufMetadata m = sample();
  EXPECT_EQ(m.get_string("general.architecture"), "llama");
  EXPECT_EQ(m.get_uint("llama.block_count"), 22u);
  EXPECT_EQ(m.get_uint("llama.context_length"), 2048u);
  EXPECT_EQ(m.get_uint("count.i8"), 5u);
  EXPECT_EQ(m.get_int("count.i32"), -3);
  EXPECT_EQ(m.get_float("llama.rope.freq_base"), 500000.0);
  EXPECT_EQ(m.get_float("eps.f64"), 1e-5);
  EXPECT_TRUE(m.get_bool("tokenizer.ggml.add_bos_token"));
  EXPECT_EQ(m.get_string_array("tokenizer.ggml.tokens"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m.get_float_array("tokenizer.ggml.scores"), (std::vector<double>{-1.0, -2.5}));
  EXPECT_EQ(m.get_int_array("tokenizer.ggml.token_type"), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(m.get_uint_or("llama.attention.head_count_kv", 7), 7u);
  EXPECT_EQ(m.get_float_or("llama.rope.freq_base", 1.0), 500000.0);
  EXPECT_EQ(m.get_string_or("general.name", "none"), "none");
  EXPECT_FALSE(m.get_bool_or("tokenizer.ggml.add_eos_token", false));
  EXPECT_EQ(m.at("tokenizer.ggml.tokens").describe(), "array<string>[2]");
  EXPECT_EQ(m.at("count.i8").describe(), "i8 5");
  EXPECT_EQ(m.at("general.architecture").describe(), "string 'llama'");
}

TEST(GgufMetadata, ErrorsNameTheFileKeyAndTypes) {
  const GgufMetadata m = sample();
  expect_error([&] { m.get_uint("llama.embedding_length"); }, "model.gguf: metadata key 'llama.embedding_length' is missing");
  expect_error([&] { m.get_uint("general.architecture"); },
               "model.gguf: metadata key 'general.architecture' is a string, expected an unsigned integer");
  expect_error([&] { m.get_uint("count.i32"); }, "'count.i32' is i32 -3, expected an unsigned integer");
  expect_error([&] { m.get_float("llama.block_count"); }, "is a u32, expected f32 or f64");
  expect_error([&] { m.get_string("llama.block_count"); }, "expected a string");
  expect_error([&] { m.get_bool("llama.block_count"); }, "expected a bool");
  expect_error([&] { m.get_string_array("tokenizer.ggml.scores"); },
               "'tokenizer.ggml.scores' element 0 is a f32, expected a string");
  expect_error([&] { m.get_int_array("mixed"); }, "element 1 is u64 9223372036854775808, too large");
  expect_error([&] { m.get_string_array("llama.block_count"); }, "expected an array");
  // A present key of the wrong type is an error even where a default exists.
  expect_error([&] { m.get_uint_or("general.architecture", 1); }, "expected an unsigned integer");
}

TEST(GgufMetadata, SetReplacesInPlaceAndEraseKeepsOrder) {
  GgufMetadata m = sample();
  const size_t n = m.size();
  m.set("llama.block_count", GgufValue::u32(30));
  EXPECT_EQ(m.size(), n);
  EXPECT_EQ(m.entries()[1].first, "llama.block_count");
  EXPECT_EQ(m.get_uint("llama.block_count"), 30u);
  EXPECT_TRUE(m.erase("llama.block_count"));
  EXPECT_FALSE(m.erase("llama.block_count"));
  EXPECT_EQ(m.size(), n - 1);
  EXPECT_EQ(m.entries()[1].first, "llama.context_length");
  EXPECT_EQ(m.get_uint("llama.context_length"), 2048u);  // the index follows the shift
  GgufMetadata other = sample();
  EXPECT_FALSE(m == other);
  other.erase("llama.block_count");
  EXPECT_TRUE(m == other);
}

}  // namespace
}  // namespace hone
