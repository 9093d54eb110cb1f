#include "hone/io/safetensors_checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "hone/util/atomic_file.h"

namespace hone {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Parses an index, refusing a weight_map that names a tensor twice (a plain parse would keep
// only the last, hiding which shard was meant).
nlohmann::json parse_index(const std::string& text) {
  std::string top_key;
  std::set<std::string> mapped;
  auto check = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event != nlohmann::json::parse_event_t::key) return true;
    const std::string key = parsed.get<std::string>();
    if (depth == 1) top_key = key;
    else if (depth == 2 && top_key == "weight_map" && !mapped.insert(key).second)
      HONE_FAIL("weight_map names tensor '", key, "' twice");
    return true;
  };
  try {
    return nlohmann::json::parse(text, check);
  } catch (const nlohmann::json::exception& e) {
    HONE_FAIL("not valid JSON: ", e.what());
  }
}

// A shard name must stay inside the model folder: an index is untrusted input.
void check_shard_name(const std::string& tensor, const std::string& shard) {
  HONE_CHECK(!shard.empty(), "weight_map gives tensor '", tensor, "' an empty shard name");
  const fs::path p(shard);
  bool escapes = p.is_absolute();
  for (const auto& part : p) escapes = escapes || part == "..";
  HONE_CHECK(!escapes, "weight_map puts tensor '", tensor, "' in '", shard, "', which is outside the model folder");
}

// "./a.safetensors" and "a.safetensors" are one shard, opened once.
std::string shard_key(const std::string& shard) { return fs::path(shard).lexically_normal().string(); }

}  // namespace

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& path) {
  try {
    return open_unchecked(path);
  } catch (const Error& e) {
    throw Error(escape_control_chars(e.what()));
  }
}

SafetensorsCheckpoint SafetensorsCheckpoint::open_unchecked(const std::string& path) {
  SafetensorsCheckpoint c;
  c.source_ = path;
  std::error_code ec;
  std::string file = path;
  if (fs::is_directory(path, ec)) {
    const fs::path folder(path);
    if (fs::exists(folder / kSingleFile, ec)) file = (folder / kSingleFile).string();
    else if (fs::exists(folder / kIndexFile, ec)) file = (folder / kIndexFile).string();
    else HONE_FAIL(path, ": no ", kSingleFile, " or ", kIndexFile, " in this folder");
  } else {
    HONE_CHECK(fs::exists(path, ec), path, ": no such file or folder");
  }

  if (!ends_with(file, ".json")) {
    c.files_.push_back(SafetensorsFile::open(file));
    for (const auto& e : c.files_[0].entries()) c.location_[e.name] = 0;
    return c;
  }

  c.index_path_ = file;
  with_context(file, [&] {
    const nlohmann::json index = parse_index(read_file(file));
    HONE_CHECK(index.is_object(), "not a JSON object");
    if (index.contains("metadata") && !index["metadata"].is_null()) {
      HONE_CHECK(index["metadata"].is_object(), "'metadata' is not an object");
      for (const auto& [key, value] : index["metadata"].items())
        c.index_metadata_[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    HONE_CHECK(index.contains("weight_map"), "no 'weight_map'");
    const auto& weight_map = index["weight_map"];
    HONE_CHECK(weight_map.is_object(), "'weight_map' is not an object");
    HONE_CHECK(!weight_map.empty(), "'weight_map' lists no tensors");

    std::map<std::string, std::vector<std::string>> tensors_of_shard;
    for (const auto& [tensor, shard] : weight_map.items()) {
      HONE_CHECK(shard.is_string(), "weight_map entry for tensor '", tensor, "' is not a file name");
      check_shard_name(tensor, shard.get<std::string>());
      tensors_of_shard[shard_key(shard.get<std::string>())].push_back(tensor);
    }

    const fs::path folder = fs::path(file).parent_path();
    std::map<std::string, size_t> shard_of_tensor;  // as found in the shards themselves
    for (const auto& [shard, tensors] : tensors_of_shard) {
      const std::string shard_path = (folder / shard).string();
      std::error_code missing;
      HONE_CHECK(fs::is_regular_file(shard_path, missing), "shard '", shard, "' (holding tensor '", tensors.front(),
                 "'", tensors.size() > 1 ? cat(" and ", tensors.size() - 1, " more") : std::string(),
                 ") does not exist (or is not a file) at ", shard_path);
      c.files_.push_back(SafetensorsFile::open(shard_path));
      const size_t file_index = c.files_.size() - 1;
      for (const auto& e : c.files_.back().entries()) {
        auto [it, fresh] = shard_of_tensor.emplace(e.name, file_index);
        HONE_CHECK(fresh, "tensor '", e.name, "' is stored in two shards: '", c.files_[it->second].path(), "' and '",
                   shard_path, "'");
      }
    }
    for (const auto& [tensor, shard] : weight_map.items()) {
      auto it = shard_of_tensor.find(tensor);
      HONE_CHECK(it != shard_of_tensor.end(), "weight_map puts tensor '", tensor, "' in '", shard.get<std::string>(),
                 "' but that shard has no such tensor");
      const std::string expected = (folder / shard_key(shard.get<std::string>())).string();
      HONE_CHECK(c.files_[it->second].path() == expected, "weight_map puts tensor '", tensor, "' in '",
                 shard.get<std::string>(), "' but it is stored in '", c.files_[it->second].path(), "'");
      c.location_[tensor] = it->second;
    }
    for (const auto& [tensor, file_index] : shard_of_tensor)
      HONE_CHECK(c.location_.count(tensor), "shard '", c.files_[file_index].path(), "' holds tensor '", tensor,
                 "', which weight_map does not list");
  });
  return c;
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  out.reserve(location_.size());
  for (const auto& [name, file] : location_) out.push_back(name);
  return out;
}

const SafetensorsFile& SafetensorsCheckpoint::file_for(const std::string& name) const {
  auto it = location_.find(name);
  HONE_CHECK(it != location_.end(), source_, ": no tensor named '", escape_control_chars(name), "'");
  return files_[it->second];
}

Tensor SafetensorsCheckpoint::get(const std::string& name) const { return file_for(name).get(name); }

const SafetensorsEntry& SafetensorsCheckpoint::entry(const std::string& name) const {
  return file_for(name).entry(name);
}

const std::string& SafetensorsCheckpoint::file_of(const std::string& name) const { return file_for(name).path(); }

namespace {

// "<base>-00001-of-00003.safetensors", the name transformers gives shard 1 of 3.
std::string shard_file_name(const std::string& base, size_t number, size_t count) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "-%05zu-of-%05zu", number, count);
  return base + digits + ".safetensors";
}

bool is_shard_file_name(const std::string& name, const std::string& base) {
  const std::string prefix = base + "-", suffix = ".safetensors";
  if (name.size() != prefix.size() + 14 + suffix.size() || name.rfind(prefix, 0) != 0 || !ends_with(name, suffix))
    return false;
  const std::string middle = name.substr(prefix.size(), 14);  // 00001-of-00003
  auto five_digits = [&](size_t pos) {
    for (size_t i = pos; i < pos + 5; ++i)
      if (middle[i] < '0' || middle[i] > '9') return false;
    return true;
  };
  return five_digits(0) && middle.compare(5, 4, "-of-") == 0 && five_digits(9);
}

}  // namespace

std::vector<std::string> save_safetensors_checkpoint(const std::string& folder, const NamedTensors& tensors,
                                                     const CheckpointWriteOptions& options) {
  HONE_CHECK(options.max_shard_bytes > 0, folder, ": max_shard_bytes must be positive");
  HONE_CHECK(!options.base_name.empty() && options.base_name.find('/') == std::string::npos, folder,
             ": invalid base name '", options.base_name, "'");
  std::error_code ec;
  fs::create_directories(folder, ec);
  HONE_CHECK(!ec, folder, ": cannot create folder: ", ec.message());

  std::set<std::string> names;
  std::vector<NamedTensors> shards(1);
  uint64_t shard_bytes = 0, total_bytes = 0;
  for (const auto& named : tensors) {
    HONE_CHECK(names.insert(named.first).second, folder, ": tensor '", named.first, "' given twice");
    HONE_CHECK(named.second.defined(), folder, ": tensor '", named.first, "' is undefined");
    const uint64_t bytes = named.second.nbytes();
    if (!shards.back().empty() && shard_bytes + bytes > options.max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(named);
    shard_bytes += bytes;
    total_bytes += bytes;
  }

  const fs::path dir(folder);
  const std::string single = options.base_name + ".safetensors";
  const std::string index_name = options.base_name + ".safetensors.index.json";
  std::vector<std::string> written;
  std::set<std::string> keep;
  if (shards.size() == 1) {
    written.push_back((dir / single).string());
    save_safetensors(written.back(), shards[0], options.metadata);
    keep.insert(single);
  } else {
    nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
    std::map<std::string, std::string> sorted_map;  // transformers writes the map sorted by name
    for (size_t i = 0; i < shards.size(); ++i) {
      const std::string name = shard_file_name(options.base_name, i + 1, shards.size());
      written.push_back((dir / name).string());
      save_safetensors(written.back(), shards[i], options.metadata);
      keep.insert(name);
      for (const auto& [tensor, t] : shards[i]) sorted_map[tensor] = name;
    }
    for (const auto& [tensor, shard] : sorted_map) weight_map[tensor] = shard;
    nlohmann::ordered_json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
    const std::string text = index.dump(2) + "\n";
    written.push_back((dir / index_name).string());
    write_file_atomically(written.back(), text.data(), text.size());
    keep.insert(index_name);
  }

  // Left in place, an old single file would shadow a new index (readers prefer it), and old
  // shards would confuse anyone listing the folder.
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    const std::string name = item.path().filename().string();
    const bool ours = name == single || name == index_name || is_shard_file_name(name, options.base_name);
    if (ours && !keep.count(name)) {
      std::error_code remove_error;
      fs::remove(item.path(), remove_error);
      HONE_CHECK(!remove_error, item.path().string(), ": cannot remove stale checkpoint file: ",
                 remove_error.message());
    }
  }
  return written;
}

}  // namespace hone
