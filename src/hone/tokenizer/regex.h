// Regular expressions for tokenizer patterns (Split, Replace): PCRE2 with UTF and Unicode
// properties, JIT-compiled. Hugging Face compiles these patterns with Oniguruma; the one
// difference real patterns hit (U+0085 counts as \s there) is bridged when compiling.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hone {

class Regex {
 public:
  // `where` names the pattern's place (file and JSON path) in the compile error.
  Regex(std::string_view pattern, std::string_view where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Appends [start, end) byte ranges of the non-overlapping matches in `text` (valid UTF-8),
  // left to right. An empty match is reported and the search resumes one character later.
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& matches) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

// The pattern rewritten so PCRE2's \s and \S include U+0085 as Oniguruma's do (exposed for tests).
std::string oniguruma_compatible_pattern(std::string_view pattern);

}  // namespace hone
