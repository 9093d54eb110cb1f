// Pre-tokenizers of tokenizer.json ("pre_tokenizer": Split, ByteLevel, Metaspace, Digits,
// Whitespace, WhitespaceSplit, Punctuation, Sequence): they cut normalized text into the words
// the model encodes one by one (and may rewrite them, as ByteLevel and Metaspace do).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "hone/tokenizer/pre_tokenized.h"

namespace hone {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Reads every piece of `in` and writes the resulting pieces to `out` (cleared first).
  virtual void pre_tokenize(const PreTokenized& in, PreTokenized& out) const = 0;
};

// Null JSON gives nullptr. Unknown types are an Error naming the type and the JSON path.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& config, const std::string& path);

}  // namespace hone
