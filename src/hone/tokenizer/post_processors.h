// Post-processors of tokenizer.json ("post_processor": TemplateProcessing, ByteLevel, Sequence,
// RobertaProcessing, BertProcessing): they wrap the encoded ids of one or two sequences in the
// model's special tokens ("<s> $A", "<|im_start|> ...") when special tokens are wanted.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hone {

// Ids with the segment (type id) each belongs to.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // `pair` is null for a single sequence. Without special tokens the sequences are concatenated.
  virtual Encoding process(Encoding first, const Encoding* pair, bool add_special_tokens) const = 0;
  // Whether it ever adds tokens (ByteLevel does not): decides if tokenizer_config's
  // add_bos_token/add_eos_token must supply them instead.
  virtual bool adds_special_tokens() const = 0;
};

// Null JSON gives nullptr. Unknown types are an Error naming the type and the JSON path.
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& config, const std::string& path);

// Concatenates `pair` after `first` (both optional) keeping type ids.
Encoding concatenate(Encoding first, const Encoding* pair);

}  // namespace hone
