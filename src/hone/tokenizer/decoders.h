// Decoders of tokenizer.json ("decoder": ByteLevel, Metaspace, Replace, ByteFallback, Fuse,
// Strip, Sequence): they turn the token strings of a sequence of ids back into text.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hone {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Rewrites the token strings in place (a step may also fuse them into fewer strings); the
  // decoded text is the concatenation of what is left.
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// Null JSON gives nullptr. Unknown types are an Error naming the type and the JSON path.
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& config, const std::string& path);

}  // namespace hone
