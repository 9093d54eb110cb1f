#include "hone/data/dataset_format.h"

#include "hone/util/error.h"

namespace hone {

namespace {
constexpr DatasetFormat kFormats[] = {DatasetFormat::Text, DatasetFormat::Completion, DatasetFormat::Alpaca,
                                      DatasetFormat::Messages, DatasetFormat::Tokens};
}

const char* dataset_format_name(DatasetFormat format) {
  switch (format) {
    case DatasetFormat::Text: return "text";
    case DatasetFormat::Completion: return "completion";
    case DatasetFormat::Alpaca: return "alpaca";
    case DatasetFormat::Messages: return "messages";
    case DatasetFormat::Tokens: return "tokens";
  }
  return "?";
}

std::string dataset_format_names() {
  std::string names;
  for (DatasetFormat f : kFormats) names += std::string(names.empty() ? "" : ", ") + dataset_format_name(f);
  return names;
}

DatasetFormat parse_dataset_format(const std::string& name) {
  for (DatasetFormat f : kFormats)
    if (name == dataset_format_name(f)) return f;
  HONE_FAIL("unknown dataset format \"", name, "\" (expected auto, ", dataset_format_names(), ")");
}

std::optional<DatasetFormat> detect_dataset_format(const nlohmann::json& record) {
  if (!record.is_object()) return std::nullopt;
  if (record.contains("messages")) return DatasetFormat::Messages;
  if (record.contains("input_ids")) return DatasetFormat::Tokens;
  if (record.contains("instruction")) return DatasetFormat::Alpaca;
  if (record.contains("prompt") && record.contains("completion")) return DatasetFormat::Completion;
  if (record.contains("text")) return DatasetFormat::Text;
  return std::nullopt;
}

}  // namespace hone
