#include "hone/tokenizer/pre_tokenizers.h"

#include <vector>

#include "hone/tokenizer/byte_level_alphabet.h"
#include "hone/tokenizer/component_json.h"
#include "hone/tokenizer/split_behavior.h"
#include "hone/tokenizer/text_pattern.h"
#include "hone/tokenizer/unicode_chars.h"
#include "hone/tokenizer/utf8.h"
#include "hone/util/error.h"

namespace hone {

namespace {

using namespace component_json;

// Each matched range becomes a match segment and the gaps between non-match segments.
void segments_from_matches(size_t text_size, const std::vector<std::pair<size_t, size_t>>& matches, bool invert,
                           std::vector<SplitSegment>& segments) {
  segments.clear();
  size_t previous = 0;
  for (const auto& [start, end] : matches) {
    if (previous != start) segments.push_back({previous, start, invert});
    segments.push_back({start, end, !invert});
    previous = end;
  }
  if (previous != text_size) segments.push_back({previous, text_size, invert});
}

// Each character that satisfies `is_delimiter` is a one-character match (as the crate's
// `split(char -> bool)` makes them); the stretches between are non-matches.
template <class Predicate>
void segments_from_chars(std::string_view text, Predicate is_delimiter, std::vector<SplitSegment>& segments) {
  segments.clear();
  size_t last = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    const char32_t c = utf8::next(text, pos);
    if (!is_delimiter(c)) continue;
    if (last < start) segments.push_back({last, start, false});
    segments.push_back({start, pos, true});
    last = pos;
  }
  if (last < text.size()) segments.push_back({last, text.size(), false});
}

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(const json& config, const std::string& path)
      : pattern_(pattern_of(config, path), child_path(path, "pattern")),
        behavior_(parse_split_behavior(require_string(config, "behavior", path), child_path(path, "behavior"))),
        invert_(bool_or(config, "invert", false, path)) {}

  void pre_tokenize(const PreTokenized& in, PreTokenized& out) const override {
    out.clear();
    thread_local std::vector<std::pair<size_t, size_t>> matches;
    thread_local std::vector<SplitSegment> segments;
    for (const auto& piece : in.pieces) {
      const std::string_view text = in.view(piece);
      matches.clear();
      pattern_.find_all(text, matches);
      segments_from_matches(text.size(), matches, invert_, segments);
      emit_split(text, piece.at_text_start, segments, behavior_, out);
    }
  }

 private:
  TextPattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

template <class Predicate>
class CharSplitPreTokenizer final : public PreTokenizer {
 public:
  CharSplitPreTokenizer(Predicate is_delimiter, SplitBehavior behavior) : is_delimiter_(is_delimiter), behavior_(behavior) {}

  void pre_tokenize(const PreTokenized& in, PreTokenized& out) const override {
    out.clear();
    thread_local std::vector<SplitSegment> segments;
    for (const auto& piece : in.pieces) {
      const std::string_view text = in.view(piece);
      segments_from_chars(text, is_delimiter_, segments);
      emit_split(text, piece.at_text_start, segments, behavior_, out);
    }
  }

 private:
  Predicate is_delimiter_;
  SplitBehavior behavior_;
};

template <class Predicate>
std::unique_ptr<PreTokenizer> char_split(Predicate is_delimiter, SplitBehavior behavior) {
  return std::make_unique<CharSplitPreTokenizer<Predicate>>(is_delimiter, behavior);
}

// GPT-2's pattern, which ByteLevel applies when use_regex is true.
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex, const std::string& path)
      : add_prefix_space_(add_prefix_space), regex_(use_regex ? std::make_unique<Regex>(kGpt2Pattern, path) : nullptr) {}

  void pre_tokenize(const PreTokenized& in, PreTokenized& out) const override {
    out.clear();
    thread_local std::string prefixed;
    thread_local std::vector<std::pair<size_t, size_t>> matches;
    for (const auto& piece : in.pieces) {
      std::string_view text = in.view(piece);
      if (add_prefix_space_ && text.front() != ' ') {
        prefixed.clear();
        prefixed.push_back(' ');
        prefixed.append(text);
        text = prefixed;
      }
      matches.clear();
      if (regex_) {
        regex_->find_all(text, matches);
      } else {
        matches.emplace_back(0, text.size());
      }
      // Isolated behavior: matches and the gaps between them all become pieces.
      size_t previous = 0;
      for (const auto& [start, end] : matches) {
        if (previous < start) add_mapped(out, text.substr(previous, start - previous), piece.at_text_start && previous == 0);
        add_mapped(out, text.substr(start, end - start), piece.at_text_start && start == 0);
        previous = end;
      }
      if (previous < text.size()) add_mapped(out, text.substr(previous), piece.at_text_start && previous == 0);
    }
  }

 private:
  static void add_mapped(PreTokenized& out, std::string_view bytes, bool at_text_start) {
    if (bytes.empty()) return;
    const auto begin = static_cast<uint32_t>(out.arena.size());
    byte_level::append_mapped(out.arena, bytes);
    out.pieces.push_back({begin, static_cast<uint32_t>(out.arena.size()), at_text_start});
  }

  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

enum class PrependScheme { Always, First, Never };

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}

  void pre_tokenize(const PreTokenized& in, PreTokenized& out) const override {
    out.clear();
    thread_local std::string replaced;
    thread_local std::vector<SplitSegment> segments;
    for (const auto& piece : in.pieces) {
      const std::string_view text = in.view(piece);
      const bool text_starts_with_replacement =
          text.substr(0, replacement_.size()) == replacement_ || (!text.empty() && text.front() == ' ');
      const bool prepend = !text_starts_with_replacement &&
                           (scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && piece.at_text_start));
      replaced.clear();
      if (prepend) replaced.append(replacement_);
      for (char ch : text) {
        if (ch == ' ') {
          replaced.append(replacement_);
        } else {
          replaced.push_back(ch);
        }
      }
      if (!split_) {
        out.add(replaced, piece.at_text_start);
        continue;
      }
      segments.clear();
      size_t last = 0;
      for (size_t at = replaced.find(replacement_); at != std::string::npos; at = replaced.find(replacement_, at + replacement_.size())) {
        if (last < at) segments.push_back({last, at, false});
        segments.push_back({at, at + replacement_.size(), true});
        last = at + replacement_.size();
      }
      if (last < replaced.size()) segments.push_back({last, replaced.size(), false});
      emit_split(replaced, piece.at_text_start, segments, SplitBehavior::MergedWithNext, out);
    }
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}

  void pre_tokenize(const PreTokenized& in, PreTokenized& out) const override {
    if (steps_.empty()) {
      out = in;
      return;
    }
    thread_local PreTokenized scratch[2];
    const PreTokenized* current = &in;
    for (size_t i = 0; i < steps_.size(); ++i) {
      PreTokenized& target = i + 1 == steps_.size() ? out : scratch[i % 2];
      // A nested Sequence would share this thread's scratch: copy its input out of the way.
      if (current == &target) {
        PreTokenized copy = *current;
        steps_[i]->pre_tokenize(copy, target);
      } else {
        steps_[i]->pre_tokenize(*current, target);
      }
      current = &target;
    }
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

PrependScheme metaspace_prepend_scheme(const json& config, const std::string& path) {
  if (auto scheme = optional_string(config, "prepend_scheme", path)) {
    if (*scheme == "always") return PrependScheme::Always;
    if (*scheme == "first") return PrependScheme::First;
    if (*scheme == "never") return PrependScheme::Never;
    HONE_FAIL(child_path(path, "prepend_scheme"), ": unknown prepend scheme \"", *scheme, "\" (supported: always, first, never)");
  }
  // Files written before prepend_scheme existed say add_prefix_space instead.
  return bool_or(config, "add_prefix_space", true, path) ? PrependScheme::Always : PrependScheme::Never;
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& config, const std::string& path) {
  if (config.is_null()) return nullptr;
  const std::string type = type_of(config, path);
  if (type == "Split") return std::make_unique<SplitPreTokenizer>(config, path);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(bool_or(config, "add_prefix_space", true, path),
                                                   bool_or(config, "use_regex", true, path), path);
  }
  if (type == "Metaspace") {
    const std::string replacement = string_or(config, "replacement", "\xE2\x96\x81", path);
    HONE_CHECK(!replacement.empty(), child_path(path, "replacement"), ": must not be empty");
    return std::make_unique<MetaspacePreTokenizer>(replacement, metaspace_prepend_scheme(config, path),
                                                   bool_or(config, "split", true, path));
  }
  if (type == "Digits") {
    const bool individual = bool_or(config, "individual_digits", false, path);
    return char_split(unicode::is_numeric, individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
  }
  if (type == "Whitespace") {
    // The crate's \w+|[^\w\s]+ kept, everything else dropped.
    json split = {{"type", "Split"},
                  {"pattern", {{"Regex", R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}\s]+)"}}},
                  {"behavior", "Removed"},
                  {"invert", true}};
    return std::make_unique<SplitPreTokenizer>(split, path);
  }
  if (type == "WhitespaceSplit") return char_split(unicode::is_whitespace, SplitBehavior::Removed);
  if (type == "Punctuation") {
    const auto behavior = parse_split_behavior(string_or(config, "behavior", "Isolated", path), child_path(path, "behavior"));
    return char_split(unicode::is_punctuation, behavior);
  }
  if (type == "Sequence") {
    const json& list = require_array(config, "pretokenizers", path);
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = make_pre_tokenizer(list[i], index_path(child_path(path, "pretokenizers"), i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  fail_unknown_type("pre-tokenizer", type, path,
                    "Split, ByteLevel, Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation, Sequence");
}

}  // namespace hone
