#include "hone/tokenizer/decode_stream.h"

#include "hone/tokenizer/utf8.h"

namespace hone {

namespace {

bool ends_with_replacement(const std::string& text) {
  return text.size() >= utf8::kReplacementUtf8.size() &&
         std::string_view(text).substr(text.size() - utf8::kReplacementUtf8.size()) == utf8::kReplacementUtf8;
}

}  // namespace

DecodeStream::DecodeStream(const Tokenizer& tokenizer, bool skip_special_tokens) : tokenizer_(tokenizer) {
  options_.skip_special_tokens = skip_special_tokens;
  options_.clean_up_tokenization_spaces = false;  // clean-up looks across tokens; streaming cannot undo it
}

std::string DecodeStream::step(int32_t id) {
  window_.push_back(id);
  const std::string text = tokenizer_.decode(window_, options_);
  // A trailing U+FFFD is an incomplete character (more bytes may come) — hold it back.
  if (text.size() <= prefix_text_.size() || ends_with_replacement(text) || text.compare(0, prefix_text_.size(), prefix_text_) != 0) {
    return {};
  }
  std::string fresh = text.substr(prefix_text_.size());
  // Keep the ids just emitted as context for the next step and drop the older ones.
  window_.erase(window_.begin(), window_.begin() + long(prefix_end_));
  prefix_end_ = window_.size();
  prefix_text_ = tokenizer_.decode(window_, options_);
  return fresh;
}

std::string DecodeStream::flush() {
  const std::string text = tokenizer_.decode(window_, options_);
  std::string rest = text.compare(0, prefix_text_.size(), prefix_text_) == 0 ? text.substr(prefix_text_.size()) : std::string();
  window_.clear();
  prefix_end_ = 0;
  prefix_text_.clear();
  return rest;
}

}  // namespace hone
