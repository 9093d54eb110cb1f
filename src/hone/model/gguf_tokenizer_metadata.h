// The tokenizer.* metadata of a GGUF export, built from a Hugging Face folder's tokenizer.json
// (and tokenizer_config.json), the way llama.cpp's convert_hf_to_gguf.py lays it out: byte-level
// BPE as tokenizer.ggml.model "gpt2" (tokens, token types, merges, pre-tokenizer name), and
// SentencePiece-style BPE with byte fallback as "llama" (tokens, scores, token types).
#pragma once

#include <cstdint>
#include <string>

#include "hone/io/gguf_value.h"

namespace hone {

// Adds tokenizer.* keys for the tokenizer in `folder` to `metadata`; does nothing (returns
// false) when the folder has no tokenizer.json. The token list is padded to `vocab_size` (the
// model's embedding rows) with "[PAD<id>]" tokens of type unused, as convert_hf_to_gguf.py does.
// Error naming the file for a tokenizer.json hone cannot express (not BPE, ...).
bool add_gguf_tokenizer_metadata(GgufMetadata& metadata, const std::string& folder, int64_t vocab_size);

// llama.cpp's tokenizer.ggml.pre name for a byte-level BPE pre-tokenizer, recognised from its
// split regex: "llama-bpe" (Llama 3), "qwen2", "gpt-2" (plain ByteLevel); "default" otherwise.
std::string gguf_pre_tokenizer_name(const std::string& tokenizer_json_text);

}  // namespace hone
