// Normalizers of tokenizer.json ("normalizer": NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace,
// Strip, Sequence): text-to-text steps run on every piece of input that is not an added token.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace hone {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string_view text) const = 0;
};

// Builds the normalizer described by `config` (the JSON at `path`, used in errors); null JSON
// gives nullptr. Unknown types are an Error naming the type and the path.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& config, const std::string& path);

}  // namespace hone
