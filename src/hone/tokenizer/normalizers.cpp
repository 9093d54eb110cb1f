#include "hone/tokenizer/normalizers.h"

#include <vector>

#include "hone/tokenizer/component_json.h"
#include "hone/tokenizer/text_pattern.h"
#include "hone/tokenizer/unicode_chars.h"
#include "hone/tokenizer/utf8.h"

namespace hone {

namespace {

using namespace component_json;

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(unicode::NormalForm form) : form_(form) {}
  std::string normalize(std::string_view text) const override { return unicode::normalize(text, form_); }

 private:
  unicode::NormalForm form_;
};

class Lowercase final : public Normalizer {
 public:
  std::string normalize(std::string_view text) const override { return unicode::to_lowercase(text); }
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  // Hugging Face leaves empty text empty, so an all-stripped piece gets no prefix.
  std::string normalize(std::string_view text) const override {
    return text.empty() ? std::string() : prefix_ + std::string(text);
  }

 private:
  std::string prefix_;
};

class Replace final : public Normalizer {
 public:
  Replace(const Pattern& pattern, std::string content, std::string_view where)
      : pattern_(pattern, where), content_(std::move(content)) {}
  std::string normalize(std::string_view text) const override { return pattern_.replace_all(text, content_); }

 private:
  TextPattern pattern_;
  std::string content_;
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string_view text) const override {
    size_t start = 0, end = text.size();
    if (left_) {
      while (start < end) {
        size_t next = start;
        if (!unicode::is_whitespace(utf8::next(text, next))) break;
        start = next;
      }
    }
    if (right_) {
      while (end > start) {
        size_t previous = end;
        if (!unicode::is_whitespace(utf8::previous(text, previous))) break;
        end = previous;
      }
    }
    return std::string(text.substr(start, end - start));
  }

 private:
  bool left_, right_;
};

class Sequence final : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  std::string normalize(std::string_view text) const override {
    std::string current(text);
    for (const auto& step : steps_) current = step->normalize(current);
    return current;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& config, const std::string& path) {
  if (config.is_null()) return nullptr;
  const std::string type = type_of(config, path);
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::NFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::NFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::NFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::NFKD);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Prepend") return std::make_unique<Prepend>(require_string(config, "prepend", path));
  if (type == "Replace") {
    return std::make_unique<Replace>(pattern_of(config, path), require_string(config, "content", path),
                                     child_path(path, "pattern"));
  }
  if (type == "Strip") {
    return std::make_unique<Strip>(bool_or(config, "strip_left", true, path), bool_or(config, "strip_right", true, path));
  }
  if (type == "Sequence") {
    const json& list = require_array(config, "normalizers", path);
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = make_normalizer(list[i], index_path(child_path(path, "normalizers"), i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  fail_unknown_type("normalizer", type, path, "NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence");
}

}  // namespace hone
