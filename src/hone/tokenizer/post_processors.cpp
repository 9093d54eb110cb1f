#include "hone/tokenizer/post_processors.h"

#include <map>

#include "hone/tokenizer/component_json.h"
#include "hone/util/error.h"

namespace hone {

Encoding concatenate(Encoding first, const Encoding* pair) {
  if (pair) {
    first.ids.insert(first.ids.end(), pair->ids.begin(), pair->ids.end());
    first.type_ids.insert(first.type_ids.end(), pair->type_ids.begin(), pair->type_ids.end());
  }
  return first;
}

namespace {

using namespace component_json;

void append_with_type(Encoding& out, const std::vector<int32_t>& ids, int32_t type_id) {
  out.ids.insert(out.ids.end(), ids.begin(), ids.end());
  out.type_ids.insert(out.type_ids.end(), ids.size(), type_id);
}

class TemplateProcessing final : public PostProcessor {
 public:
  TemplateProcessing(const json& config, const std::string& path) {
    const json& specials = require(config, "special_tokens", path);
    const std::string specials_path = child_path(path, "special_tokens");
    HONE_CHECK(specials.is_object(), specials_path, ": expected an object, got ", specials.type_name());
    for (const auto& [name, entry] : specials.items()) {
      const std::string at = child_path(specials_path, name);
      const json& ids = require_array(entry, "ids", at);
      std::vector<int32_t>& out = special_ids_[name];
      for (const json& id : ids) {
        HONE_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0, child_path(at, "ids"), ": expected non-negative integer ids, got ",
                   id.dump());
        out.push_back(id.get<int32_t>());
      }
    }
    single_ = parse_template(require(config, "single", path), child_path(path, "single"));
    if (auto it = config.find("pair"); it != config.end() && !it->is_null()) {
      pair_ = parse_template(*it, child_path(path, "pair"));
      has_pair_ = true;
    }
  }

  Encoding process(Encoding first, const Encoding* pair, bool add_special_tokens) const override {
    if (!add_special_tokens) return concatenate(std::move(first), pair);
    HONE_CHECK(!pair || has_pair_, "TemplateProcessing: the tokenizer has no \"pair\" template for a pair of sequences");
    Encoding out;
    for (const Piece& piece : pair ? pair_ : single_) {
      if (piece.sequence == 'A') {
        append_with_type(out, first.ids, piece.type_id);
      } else if (piece.sequence == 'B') {
        append_with_type(out, pair->ids, piece.type_id);
      } else {
        append_with_type(out, special_ids_.at(piece.special), piece.type_id);
      }
    }
    return out;
  }

  bool adds_special_tokens() const override {
    for (const Piece& piece : single_) {
      if (piece.sequence == 0 && !special_ids_.at(piece.special).empty()) return true;
    }
    return false;
  }

 private:
  struct Piece {
    char sequence = 0;  // 'A', 'B', or 0 for a special token
    std::string special;
    int32_t type_id = 0;
  };

  std::vector<Piece> parse_template(const json& pieces, const std::string& path) const {
    HONE_CHECK(pieces.is_array(), path, ": expected a list of {\"Sequence\": ...} / {\"SpecialToken\": ...}, got ",
               pieces.type_name());
    std::vector<Piece> out;
    for (size_t i = 0; i < pieces.size(); ++i) {
      const std::string at = index_path(path, i);
      const json& item = pieces[i];
      Piece piece;
      if (item.is_object() && item.contains("Sequence")) {
        const json& sequence = item["Sequence"];
        const std::string id = require_string(sequence, "id", child_path(at, "Sequence"));
        HONE_CHECK(id == "A" || id == "B", at, ": sequence id must be \"A\" or \"B\", got \"", id, "\"");
        piece.sequence = id[0];
        piece.type_id = int32_t(int_or(sequence, "type_id", 0, child_path(at, "Sequence")));
      } else if (item.is_object() && item.contains("SpecialToken")) {
        const json& special = item["SpecialToken"];
        piece.special = require_string(special, "id", child_path(at, "SpecialToken"));
        HONE_CHECK(special_ids_.count(piece.special), at, ": special token \"", piece.special,
                   "\" is not listed in special_tokens");
        piece.type_id = int32_t(int_or(special, "type_id", 0, child_path(at, "SpecialToken")));
      } else {
        HONE_FAIL(at, ": expected {\"Sequence\": ...} or {\"SpecialToken\": ...}, got ", item.dump());
      }
      out.push_back(std::move(piece));
    }
    return out;
  }

  std::map<std::string, std::vector<int32_t>> special_ids_;
  std::vector<Piece> single_, pair_;
  bool has_pair_ = false;
};

// Only offsets change under ByteLevel post-processing; ids pass through.
class ByteLevelProcessing final : public PostProcessor {
 public:
  Encoding process(Encoding first, const Encoding* pair, bool) const override { return concatenate(std::move(first), pair); }
  bool adds_special_tokens() const override { return false; }
};

// <cls> A <sep> (RoBERTa: <sep> <sep> B <sep>; BERT: B <sep>).
class ClsSepProcessing final : public PostProcessor {
 public:
  ClsSepProcessing(const json& config, const std::string& path, bool roberta) : roberta_(roberta) {
    cls_ = token_id(config, "cls", path);
    sep_ = token_id(config, "sep", path);
  }

  Encoding process(Encoding first, const Encoding* pair, bool add_special_tokens) const override {
    if (!add_special_tokens) return concatenate(std::move(first), pair);
    Encoding out;
    append_with_type(out, {cls_}, 0);
    append_with_type(out, first.ids, 0);
    append_with_type(out, {sep_}, 0);
    if (pair) {
      const int32_t type_id = roberta_ ? 0 : 1;
      if (roberta_) append_with_type(out, {sep_}, type_id);
      append_with_type(out, pair->ids, type_id);
      append_with_type(out, {sep_}, type_id);
    }
    return out;
  }
  bool adds_special_tokens() const override { return true; }

 private:
  static int32_t token_id(const json& config, const char* key, const std::string& path) {
    const json& entry = require(config, key, path);
    HONE_CHECK(entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_number_integer(),
               child_path(path, key), ": expected [\"token\", id], got ", entry.dump());
    return entry[1].get<int32_t>();
  }
  bool roberta_;
  int32_t cls_ = 0, sep_ = 0;
};

class SequenceProcessing final : public PostProcessor {
 public:
  explicit SequenceProcessing(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}

  Encoding process(Encoding first, const Encoding* pair, bool add_special_tokens) const override {
    if (steps_.empty()) return concatenate(std::move(first), pair);
    // The first step receives the pair; later steps see its single combined output.
    Encoding current = steps_.front()->process(std::move(first), pair, add_special_tokens);
    for (size_t i = 1; i < steps_.size(); ++i) current = steps_[i]->process(std::move(current), nullptr, add_special_tokens);
    return current;
  }
  bool adds_special_tokens() const override {
    for (const auto& step : steps_) {
      if (step->adds_special_tokens()) return true;
    }
    return false;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json& config, const std::string& path) {
  if (config.is_null()) return nullptr;
  const std::string type = type_of(config, path);
  if (type == "TemplateProcessing") return std::make_unique<TemplateProcessing>(config, path);
  if (type == "ByteLevel") return std::make_unique<ByteLevelProcessing>();
  if (type == "RobertaProcessing") return std::make_unique<ClsSepProcessing>(config, path, true);
  if (type == "BertProcessing") return std::make_unique<ClsSepProcessing>(config, path, false);
  if (type == "Sequence") {
    const json& list = require_array(config, "processors", path);
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = make_post_processor(list[i], index_path(child_path(path, "processors"), i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequenceProcessing>(std::move(steps));
  }
  fail_unknown_type("post-processor", type, path, "TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence");
}

}  // namespace hone
