// The pieces a pre-tokenizer cuts text into, kept in one byte arena so splitting a long input
// costs no allocation per piece. Each piece remembers whether it starts the original text,
// which Metaspace's prepend_scheme "first" needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hone {

struct PreTokenized {
  struct Piece {
    uint32_t begin, end;
    bool at_text_start;
  };
  std::string arena;
  std::vector<Piece> pieces;

  void clear() {
    arena.clear();
    pieces.clear();
  }
  std::string_view view(const Piece& piece) const {
    return std::string_view(arena).substr(piece.begin, piece.end - piece.begin);
  }
  // Copies `text` in as a new piece; empty text adds nothing (as Hugging Face drops empty splits).
  void add(std::string_view text, bool at_text_start) {
    if (text.empty()) return;
    const auto begin = static_cast<uint32_t>(arena.size());
    arena.append(text);
    pieces.push_back({begin, static_cast<uint32_t>(arena.size()), at_text_start});
  }
};

}  // namespace hone
