// Streaming detokenization for generation: feed ids one at a time, get the new text as soon as
// it is complete. Bytes of a character split across tokens are held back until the character is
// whole, so the output never contains a broken UTF-8 sequence or a spurious U+FFFD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hone/tokenizer/tokenizer.h"

namespace hone {

class DecodeStream {
 public:
  // `tokenizer` must outlive the stream.
  explicit DecodeStream(const Tokenizer& tokenizer, bool skip_special_tokens = false);

  // Adds one id; returns the text it completes (possibly empty while a character is pending).
  std::string step(int32_t id);
  // Whatever is still held back (a final incomplete character shows as U+FFFD).
  std::string flush();

 private:
  // Decoding a window of recent ids, rather than one id alone, keeps decoders that depend on
  // context (Metaspace's leading space, ByteFallback runs) exact: the text of ids[0, prefix_end)
  // has been emitted and is the prefix of the window's decoded text.
  const Tokenizer& tokenizer_;
  DecodeOptions options_;
  std::vector<int32_t> window_;
  size_t prefix_end_ = 0;
  std::string prefix_text_;
};

}  // namespace hone
