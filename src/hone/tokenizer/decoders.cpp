#include "hone/tokenizer/decoders.h"

#include "hone/tokenizer/byte_level_alphabet.h"
#include "hone/tokenizer/component_json.h"
#include "hone/tokenizer/text_pattern.h"
#include "hone/tokenizer/utf8.h"
#include "hone/util/error.h"

namespace hone {

namespace {

using namespace component_json;

// Maps the byte-level alphabet back to bytes across all tokens; a token with a character outside
// the alphabet (an added token such as "<|im_end|>" can have one) keeps its own bytes.
class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      const size_t before = bytes.size();
      bool in_alphabet = true;
      for (size_t pos = 0; pos < token.size();) {
        const int byte = byte_level::byte_of(utf8::next(token, pos));
        if (byte < 0) {
          in_alphabet = false;
          break;
        }
        bytes.push_back(static_cast<char>(byte));
      }
      if (!in_alphabet) {
        bytes.resize(before);
        bytes += token;
      }
    }
    tokens.assign(1, utf8::to_valid_lossy(bytes));
  }
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first_space)
      : replacement_(std::move(replacement)), strip_first_space_(strip_first_space) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& token = tokens[i];
      for (size_t at = 0; at < token.size();) {
        if (token.compare(at, replacement_.size(), replacement_) == 0) {
          out.push_back(' ');
          at += replacement_.size();
        } else {
          out.push_back(token[at++]);
        }
      }
      if (i == 0 && strip_first_space_ && !out.empty() && out.front() == ' ') out.erase(0, 1);
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string replacement_;
  bool strip_first_space_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(const Pattern& pattern, std::string content, std::string_view where)
      : pattern_(pattern, where), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) token = pattern_.replace_all(token, content_);
  }

 private:
  TextPattern pattern_;
  std::string content_;
};

// "<0x41>"-style byte tokens: runs of them become the text their bytes spell.
class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string pending;
    bool have_pending = false;
    const auto flush = [&] {
      if (!have_pending) return;
      if (utf8::valid_prefix_length(pending) == pending.size()) {
        out.push_back(pending);
      } else {
        // The crate gives one U+FFFD per byte of an invalid run.
        for (size_t i = 0; i < pending.size(); ++i) out.emplace_back(utf8::kReplacementUtf8);
      }
      pending.clear();
      have_pending = false;
    };
    for (std::string& token : tokens) {
      int byte = -1;
      if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') byte = parse_hex_byte(token[3], token[4]);
      if (byte >= 0) {
        pending.push_back(static_cast<char>(byte));
        have_pending = true;
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    tokens = std::move(out);
  }

 private:
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  }
  static int parse_hex_byte(char high, char low) {
    const int h = hex_digit(high), l = hex_digit(low);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  }
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const std::string& token : tokens) joined += token;
    tokens.assign(1, std::move(joined));
  }
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      size_t begin = 0, end = token.size();
      for (size_t i = 0; i < start_ && begin < end; ++i) {
        size_t next = begin;
        if (utf8::next(token, next) != content_) break;
        begin = next;
      }
      for (size_t i = 0; i < stop_ && end > begin; ++i) {
        size_t previous = end;
        if (utf8::previous(token, previous) != content_) break;
        end = previous;
      }
      token = token.substr(begin, end - begin);
    }
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

bool metaspace_strips_first_space(const json& config, const std::string& path) {
  if (auto scheme = optional_string(config, "prepend_scheme", path)) {
    HONE_CHECK(*scheme == "always" || *scheme == "first" || *scheme == "never", child_path(path, "prepend_scheme"),
               ": unknown prepend scheme \"", *scheme, "\" (supported: always, first, never)");
    return *scheme != "never";
  }
  return bool_or(config, "add_prefix_space", true, path);
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const json& config, const std::string& path) {
  if (config.is_null()) return nullptr;
  const std::string type = type_of(config, path);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    return std::make_unique<MetaspaceDecoder>(string_or(config, "replacement", "\xE2\x96\x81", path),
                                              metaspace_strips_first_space(config, path));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(pattern_of(config, path), require_string(config, "content", path),
                                            child_path(path, "pattern"));
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    const std::string content = require_string(config, "content", path);
    size_t pos = 0;
    const char32_t c = content.empty() ? 0 : utf8::next(content, pos);
    HONE_CHECK(!content.empty() && pos == content.size(), child_path(path, "content"), ": expected one character, got \"",
               content, "\"");
    const int64_t start = int_or(config, "start", 0, path), stop = int_or(config, "stop", 0, path);
    HONE_CHECK(start >= 0 && stop >= 0, path, ": start and stop must not be negative");
    return std::make_unique<StripDecoder>(c, size_t(start), size_t(stop));
  }
  if (type == "Sequence") {
    const json& list = require_array(config, "decoders", path);
    std::vector<std::unique_ptr<Decoder>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = make_decoder(list[i], index_path(child_path(path, "decoders"), i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  fail_unknown_type("decoder", type, path, "ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence");
}

}  // namespace hone
