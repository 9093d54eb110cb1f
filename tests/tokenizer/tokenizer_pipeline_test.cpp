// The whole pipeline on a tiny character-level tokenizer: added tokens (longest match, lstrip,
// rstrip, single_word, normalized), post-processors and tokenizer_config's add_bos/add_eos,
// decoders, decoding options, and file-level errors.
#include "hone/tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "hone/util/error.h"

namespace hone {
namespace {

using nlohmann::json;
using Ids = std::vector<int32_t>;

const std::string kChars = " abcdefghijklmnopqrstuvwxyz!";

// "<unk>" is 0, then one token per character of kChars (so 'a' is 2), then added tokens from 100.
json tiny_tokenizer_json() {
  json vocab = {{"<unk>", 0}};
  for (size_t i = 0; i < kChars.size(); ++i) vocab[std::string(1, kChars[i])] = i + 1;
  return {{"version", "1.0"},
          {"added_tokens", json::array()},
          {"normalizer", nullptr},
          {"pre_tokenizer", nullptr},
          {"post_processor", nullptr},
          {"decoder", nullptr},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}, {"unk_token", "<unk>"}}}};
}

int32_t id(char c) { return int32_t(kChars.find(c)) + 1; }

json added(const std::string& content, int32_t token_id, bool special, json flags = json::object()) {
  json token = {{"id", token_id}, {"content", content}, {"special", special}, {"lstrip", false}, {"rstrip", false},
                {"single_word", false}, {"normalized", !special}};
  for (auto& [key, value] : flags.items()) token[key] = value;
  return token;
}

Tokenizer make(const json& tokenizer_json, std::optional<TokenizerConfig> config = std::nullopt) {
  return Tokenizer::from_json(tokenizer_json, std::move(config), "tiny/tokenizer.json");
}

TEST(TokenizerPipeline, AddedTokensLongestMatchFirst) {
  json t = tiny_tokenizer_json();
  t["added_tokens"] = {added("<s>", 100, true), added("<s><s>", 101, true), added("ab", 102, false)};
  const Tokenizer tokenizer = make(t);
  EXPECT_EQ(tokenizer.encode("x<s><s><s>ab!"), (Ids{id('x'), 101, 100, 102, id('!')}));
  EXPECT_TRUE(tokenizer.is_special(100));
  EXPECT_FALSE(tokenizer.is_special(102));
  EXPECT_EQ(tokenizer.token_to_id("<s><s>"), 101);
  EXPECT_EQ(tokenizer.id_to_token(102), "ab");
  EXPECT_EQ(tokenizer.vocab_size(), 103);
}

TEST(TokenizerPipeline, AddedTokensStripAndSingleWord) {
  json t = tiny_tokenizer_json();
  t["added_tokens"] = {added("[m]", 100, true, {{"lstrip", true}}), added("[n]", 101, true, {{"rstrip", true}}),
                       added("cat", 102, false, {{"single_word", true}})};
  const Tokenizer tokenizer = make(t);
  EXPECT_EQ(tokenizer.encode("a  [m] b"), (Ids{id('a'), 100, id(' '), id('b')}));
  EXPECT_EQ(tokenizer.encode("a [n]  b"), (Ids{id('a'), id(' '), 101, id('b')}));
  EXPECT_EQ(tokenizer.encode("a cat!"), (Ids{id('a'), id(' '), 102, id('!')}));
  // Inside a word it is not a match.
  EXPECT_EQ(tokenizer.encode("cats"), (Ids{id('c'), id('a'), id('t'), id('s')}));
}

TEST(TokenizerPipeline, NormalizedAddedTokensMatchAfterNormalization) {
  json t = tiny_tokenizer_json();
  t["normalizer"] = {{"type", "Lowercase"}};
  t["added_tokens"] = {added("HELLO", 100, false, {{"normalized", true}}), added("<X>", 101, true)};
  const Tokenizer tokenizer = make(t);
  // "HeLLo" normalizes to "hello", which is the normalized form of the token; "<X>" is raw-matched.
  EXPECT_EQ(tokenizer.encode("a HeLLo<X>B"), (Ids{id('a'), id(' '), 100, 101, id('b')}));
  EXPECT_EQ(tokenizer.encode("<x>"), (Ids{0, id('x'), 0}));
}

TEST(TokenizerPipeline, TemplateProcessingSingleAndPair) {
  json t = tiny_tokenizer_json();
  t["added_tokens"] = {added("<s>", 100, true), added("</s>", 101, true)};
  t["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"pair",
       {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
        {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
      {"special_tokens",
       {{"<s>", {{"id", "<s>"}, {"ids", {100}}, {"tokens", {"<s>"}}}}, {"</s>", {{"id", "</s>"}, {"ids", {101}}, {"tokens", {"</s>"}}}}}}};
  const Tokenizer tokenizer = make(t);
  EXPECT_EQ(tokenizer.encode("ab"), (Ids{100, id('a'), id('b')}));
  EXPECT_EQ(tokenizer.encode("ab", false), (Ids{id('a'), id('b')}));
  const Encoding pair = tokenizer.encode_pair("a", "b");
  EXPECT_EQ(pair.ids, (Ids{100, id('a'), 101, id('b')}));
  EXPECT_EQ(pair.type_ids, (Ids{0, 0, 0, 1}));
  EXPECT_EQ(tokenizer.encode_pair("a", "b", false).ids, (Ids{id('a'), id('b')}));
}

TEST(TokenizerPipeline, ConfigAddsBosEosWhenThePostProcessorAddsNothing) {
  json t = tiny_tokenizer_json();
  t["added_tokens"] = {added("<s>", 100, true), added("</s>", 101, true)};
  TokenizerConfig config;
  config.bos_token = "<s>";
  config.eos_token = "</s>";
  config.add_bos_token = true;
  config.add_eos_token = true;
  EXPECT_EQ(make(t, config).encode("a"), (Ids{100, id('a'), 101}));
  EXPECT_EQ(make(t, config).encode("a", false), (Ids{id('a')}));
  t["post_processor"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  EXPECT_EQ(make(t, config).encode("a"), (Ids{100, id('a'), 101}));
  // A post-processor that adds special tokens decides alone (as Tokenizers.js and transformers' fast tokenizers).
  t["post_processor"] = {{"type", "RobertaProcessing"}, {"cls", {"<s>", 100}}, {"sep", {"</s>", 101}}};
  config.add_bos_token = false;
  EXPECT_EQ(make(t, config).encode("a"), (Ids{100, id('a'), 101}));
  // add_bos_token without a bos_token that exists is an error naming the config.
  t["post_processor"] = nullptr;
  config.add_bos_token = true;
  config.bos_token = "<bos>";
  config.source = "tiny/tokenizer_config.json";
  try {
    make(t, config);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tiny/tokenizer_config.json: add_bos_token is true but bos_token \"<bos>\""), std::string::npos)
        << e.what();
  }
}

TEST(TokenizerPipeline, DecodeSkipsSpecialTokensAndCleansUpOnRequest) {
  json t = tiny_tokenizer_json();
  t["added_tokens"] = {added("<s>", 100, true), added("<x>", 101, false)};
  t["decoder"] = {{"type", "Fuse"}};
  const Tokenizer tokenizer = make(t);
  const Ids ids = tokenizer.encode("<s>a b !<x>");
  EXPECT_EQ(tokenizer.decode(ids), "<s>a b !<x>");
  EXPECT_EQ(tokenizer.decode(ids, {.skip_special_tokens = true, .clean_up_tokenization_spaces = std::nullopt}), "a b !<x>");
  EXPECT_EQ(tokenizer.decode(ids, {.skip_special_tokens = true, .clean_up_tokenization_spaces = true}), "a b!<x>");
  // Without a decoder, tokens are joined with spaces (as the crate does).
  json no_decoder = tiny_tokenizer_json();
  EXPECT_EQ(make(no_decoder).decode(Ids{id('a'), id('b')}), "a b");
  try {
    tokenizer.decode(Ids{id('a'), 5000});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot decode id 5000 (position 1)"), std::string::npos) << e.what();
  }
}

TEST(TokenizerPipeline, CleanUpTokenizationMatchesTransformers) {
  EXPECT_EQ(clean_up_tokenization("Hello , world ! I do n't know . Is it ? He 's here , I 'm sure"),
            "Hello, world! I don't know. Is it? He's here, I'm sure");
}

std::vector<std::string> decode_tokens(const json& decoder, const std::vector<std::string>& tokens) {
  json t = tiny_tokenizer_json();
  json vocab = json::object();
  for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
  t["model"]["vocab"] = vocab;
  t["model"].erase("unk_token");
  t["decoder"] = decoder;
  const Tokenizer tokenizer = make(t);
  Ids ids(tokens.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = int32_t(i);
  return {tokenizer.decode(ids)};
}

TEST(TokenizerPipeline, Decoders) {
  EXPECT_EQ(decode_tokens({{"type", "ByteLevel"}}, {"Hello", "ĠwÃ¶rld", "Ċ"}), std::vector<std::string>{"Hello wörld\n"});
  // A lone lead byte of a UTF-8 sequence decodes to U+FFFD.
  EXPECT_EQ(decode_tokens({{"type", "ByteLevel"}}, {"a", "Ã"}), std::vector<std::string>{"a\xEF\xBF\xBD"});
  EXPECT_EQ(decode_tokens({{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "always"}}, {"▁Hey", "▁friend"}),
            std::vector<std::string>{"Hey friend"});
  EXPECT_EQ(decode_tokens({{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "never"}}, {"▁Hey", "▁friend"}),
            std::vector<std::string>{" Hey friend"});
  const json llama2 = {{"type", "Sequence"},
                       {"decoders",
                        {{{"type", "Replace"}, {"pattern", {{"String", "▁"}}}, {"content", " "}},
                         {{"type", "ByteFallback"}},
                         {{"type", "Fuse"}},
                         {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  EXPECT_EQ(decode_tokens(llama2, {"▁caf", "<0xC3>", "<0xA9>", "▁", "<0xF0>", "<0x9F>", "<0x91>", "<0x8D>"}),
            std::vector<std::string>{"café 👍"});
  // An invalid byte run becomes one U+FFFD per byte, as in the crate.
  EXPECT_EQ(decode_tokens(llama2, {"▁x", "<0xC3>", "<0x41>"}), std::vector<std::string>{"x\xEF\xBF\xBD\xEF\xBF\xBD"});
  EXPECT_EQ(decode_tokens({{"type", "Strip"}, {"content", "_"}, {"start", 2}, {"stop", 1}}, {"___a__"}),
            std::vector<std::string>{"_a_"});
  EXPECT_EQ(decode_tokens({{"type", "Replace"}, {"pattern", {{"Regex", "[0-9]+"}}}, {"content", "#"}}, {"a12", "b3"}),
            std::vector<std::string>{"a#b#"});
}

TEST(TokenizerPipeline, UnknownComponentsNameTypeAndPath) {
  const auto error_for = [](const char* section, const json& component) {
    json t = tiny_tokenizer_json();
    t[section] = component;
    try {
      make(t);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_for("decoder", {{"type", "Sequence"}, {"decoders", {{{"type", "CTC"}}}}})
                .find("tiny/tokenizer.json: decoder.decoders[0]: unknown decoder type \"CTC\""),
            std::string::npos);
  EXPECT_NE(error_for("post_processor", {{"type", "Mystery"}}).find("post_processor: unknown post-processor type \"Mystery\""),
            std::string::npos);
  EXPECT_NE(error_for("normalizer", {{"type", "Precompiled"}}).find("normalizer: unknown normalizer type \"Precompiled\""),
            std::string::npos);
  EXPECT_NE(error_for("model", {{"type", "WordPiece"}, {"vocab", json::object()}}).find("model: unknown model type \"WordPiece\""),
            std::string::npos);
  EXPECT_NE(error_for("added_tokens", {{{"id", 5}}}).find("added_tokens[0].content: missing"), std::string::npos);
}

TEST(TokenizerPipeline, InvalidUtf8TextIsAnError) {
  const Tokenizer tokenizer = make(tiny_tokenizer_json());
  try {
    tokenizer.encode("ab\xC3(");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not valid UTF-8 (bad byte 0xc3 at byte offset 2)"), std::string::npos) << e.what();
  }
}

class TokenizerFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hone_tokenizer_files_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name, std::ios::binary) << text; }
  std::string load_error(const std::string& path) {
    try {
      Tokenizer::load(path);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_;
};

TEST_F(TokenizerFiles, LoadsFolderOrFileWithConfigBeside) {
  json t = tiny_tokenizer_json();
  t["added_tokens"] = {added("<s>", 100, true)};
  write("tokenizer.json", t.dump());
  write("tokenizer_config.json", R"({"bos_token": "<s>", "add_bos_token": true, "model_max_length": 2048})");
  const Tokenizer from_folder = Tokenizer::load(dir_.string());
  EXPECT_EQ(from_folder.encode("ab"), (Ids{100, id('a'), id('b')}));
  EXPECT_EQ(from_folder.bos_id(), 100);
  EXPECT_EQ(from_folder.model_max_length(), 2048);
  EXPECT_EQ(Tokenizer::load((dir_ / "tokenizer.json").string()).encode("ab"), from_folder.encode("ab"));
}

TEST_F(TokenizerFiles, BadFilesAreClearErrors) {
  EXPECT_NE(load_error(dir_.string()).find("tokenizer.json: no such file (the model folder needs a tokenizer.json)"), std::string::npos);
  write("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": ");  // truncated
  EXPECT_NE(load_error(dir_.string()).find("tokenizer.json: not valid JSON"), std::string::npos);
  write("tokenizer.json", "[1, 2]");
  EXPECT_NE(load_error(dir_.string()).find("expected a JSON object at the top level"), std::string::npos);
  json t = tiny_tokenizer_json();
  t["model"]["merges"] = {"a zz"};
  write("tokenizer.json", t.dump());
  const std::string error = load_error(dir_.string());
  EXPECT_NE(error.find((dir_ / "tokenizer.json").string() + ": model.merges[0]: merge token \"zz\" is not in the vocabulary"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace hone
