// The JSONL record shapes hone reads (text, completion, alpaca, messages, tokens): their names
// and how a record's keys tell them apart when the recipe says `format: auto`.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace hone {

enum class DatasetFormat { Text, Completion, Alpaca, Messages, Tokens };

const char* dataset_format_name(DatasetFormat format);
// "text", "completion", ...; Error listing the names for anything else ("auto" is not a format).
DatasetFormat parse_dataset_format(const std::string& name);

// The format a record's keys imply, most specific first: messages, input_ids (tokens),
// instruction (alpaca), prompt + completion, text. nullopt when no key matches.
std::optional<DatasetFormat> detect_dataset_format(const nlohmann::json& record);

// "text, completion, alpaca, messages, tokens" — for messages.
std::string dataset_format_names();

}  // namespace hone
