#include "hone/model/load_model.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hone/model/gguf_model.h"
#include "hone/util/atomic_file.h"
#include "hone/util/error.h"
#include "hone/util/json_text.h"

namespace hone {

namespace fs = std::filesystem;

const char* model_format_name(ModelFormat format) { return format == ModelFormat::kGguf ? "gguf" : "hf"; }

ModelFormat detect_model_format(const std::string& path) {
  std::error_code ec;
  HONE_CHECK(fs::exists(path, ec), path, ": no such file or folder (expected a Hugging Face model folder or a .gguf file)");
  if (fs::is_directory(path, ec)) return ModelFormat::kHuggingFace;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0) return ModelFormat::kGguf;
  HONE_FAIL(path, ": not a model: expected a Hugging Face model folder (with config.json) or a GGUF file",
            fs::path(path).filename() == "config.json" ? " (give the folder that holds config.json)" : "");
}

std::unique_ptr<DecoderModel> load_model(const std::string& path, const LoadOptions& options, LoadReport* report) {
  return detect_model_format(path) == ModelFormat::kGguf ? load_gguf_model(path, options, report)
                                                         : load_hf_model(path, options, report);
}

std::optional<Tokenizer> load_model_tokenizer(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec) || !fs::exists(fs::path(path) / "tokenizer.json", ec)) return std::nullopt;
  return Tokenizer::load(path);
}

std::vector<int32_t> generation_stop_ids(const std::string& path, const DecoderConfig& config, const Tokenizer* tokenizer) {
  std::vector<int32_t> ids = config.eos_token_ids;
  auto add = [&](int64_t id) {
    if (id >= 0 && id <= INT32_MAX && std::find(ids.begin(), ids.end(), int32_t(id)) == ids.end()) ids.push_back(int32_t(id));
  };
  const fs::path generation_config = fs::path(path) / "generation_config.json";
  std::error_code ec;
  if (fs::is_directory(path, ec) && fs::exists(generation_config, ec)) {
    const std::string source = generation_config.string();
    const nlohmann::json j = read_json_file(source);
    if (j.is_object() && j.contains("eos_token_id")) {
      const auto& eos = j["eos_token_id"];
      if (eos.is_number_integer()) {
        add(eos.get<int64_t>());
      } else if (eos.is_array()) {
        for (const auto& e : eos) {
          HONE_CHECK(e.is_number_integer(), source, ": eos_token_id must be an integer or a list of integers");
          add(e.get<int64_t>());
        }
      } else {
        HONE_CHECK(eos.is_null(), source, ": eos_token_id must be an integer or a list of integers");
      }
    }
  }
  if (tokenizer && tokenizer->eos_id()) add(*tokenizer->eos_id());
  return ids;
}

}  // namespace hone
