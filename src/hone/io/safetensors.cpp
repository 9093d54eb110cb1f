#include "hone/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "hone/util/atomic_file.h"

namespace hone {

namespace {

// The reference implementation (huggingface/safetensors) refuses headers above 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// A valid header nests at most three deep: {name: {"shape": [..]}}. Refusing deeper input early
// keeps a hostile header from costing memory or stack.
constexpr int kMaxHeaderDepth = 3;

struct FileDType {
  const char* name;
  size_t bytes;
  bool loadable;
  DType loads_as;
};

// Every byte-sized dtype of the format. Integer types load as I32 (token ids, labels), checked
// for range; the F8 variants are recognised so such files open and can be inspected.
constexpr FileDType kFileDTypes[] = {
    {"F64", 8, true, DType::F64},      {"F32", 4, true, DType::F32},      {"BF16", 2, true, DType::BF16},
    {"F16", 2, true, DType::F16},      {"I64", 8, true, DType::I32},      {"I32", 4, true, DType::I32},
    {"I16", 2, true, DType::I32},      {"I8", 1, true, DType::I32},       {"U64", 8, true, DType::I32},
    {"U32", 4, true, DType::I32},      {"U16", 2, true, DType::I32},      {"U8", 1, true, DType::I32},
    {"BOOL", 1, true, DType::I32},     {"F8_E4M3", 1, false, DType::F32}, {"F8_E5M2", 1, false, DType::F32},
    {"F8_E8M0", 1, false, DType::F32},
};

const FileDType* find_file_dtype(const std::string& name) {
  for (const auto& d : kFileDTypes)
    if (name == d.name) return &d;
  return nullptr;
}

const char* file_dtype_for(DType dtype) {
  switch (dtype) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::BF16: return "BF16";
    case DType::F16: return "F16";
    case DType::I32: return "I32";
    default: HONE_FAIL("safetensors cannot store ", dtype_name(dtype), " tensors");
  }
}

SafetensorsEntry parse_entry(const std::string& name, const nlohmann::json& info, size_t data_bytes) {
  SafetensorsEntry e;
  e.name = name;
  HONE_CHECK(info.is_object(), "tensor '", name, "': header entry is not an object");
  HONE_CHECK(info.contains("dtype") && info["dtype"].is_string(), "tensor '", name, "': missing string 'dtype'");
  e.file_dtype = info["dtype"].get<std::string>();
  const FileDType* fd = find_file_dtype(e.file_dtype);
  HONE_CHECK(fd, "tensor '", name, "': unsupported dtype '", e.file_dtype, "' (not a byte-sized safetensors dtype)");
  e.loadable = fd->loadable;
  e.dtype = fd->loads_as;
  HONE_CHECK(info.contains("shape") && info["shape"].is_array(), "tensor '", name, "': missing array 'shape'");
  const auto& shape = info["shape"];
  HONE_CHECK(shape.size() <= size_t(Shape::kMaxRank), "tensor '", name, "': ", shape.size(),
             " dimensions (hone supports up to ", Shape::kMaxRank, ")");
  size_t numel = 1;
  for (const auto& d : shape) {
    HONE_CHECK(d.is_number_unsigned(), "tensor '", name, "': shape entries must be non-negative integers");
    const uint64_t v = d.get<uint64_t>();
    // Bounds keep numel * 8 far from overflow while allowing any real tensor.
    HONE_CHECK(v <= (uint64_t(1) << 40) && (v == 0 || numel <= (uint64_t(1) << 44) / v), "tensor '", name,
               "': absurd shape ", shape.dump());
    numel *= size_t(v);
    e.shape.push_back(int64_t(v));
  }
  HONE_CHECK(info.contains("data_offsets") && info["data_offsets"].is_array() && info["data_offsets"].size() == 2 &&
                 info["data_offsets"][0].is_number_unsigned() && info["data_offsets"][1].is_number_unsigned(),
             "tensor '", name, "': 'data_offsets' must be two non-negative integers");
  e.begin = info["data_offsets"][0].get<size_t>();
  e.end = info["data_offsets"][1].get<size_t>();
  HONE_CHECK(e.begin <= e.end && e.end <= data_bytes, "tensor '", name, "': data_offsets [", e.begin, ", ", e.end,
             "] outside the data section of ", data_bytes, " bytes (file truncated?)");
  HONE_CHECK(e.end - e.begin == numel * fd->bytes, "tensor '", name, "': shape ", e.shape.str(), " of ",
             e.file_dtype, " needs ", numel * fd->bytes, " bytes but data_offsets cover ", e.end - e.begin);
  for (const auto& [key, value] : info.items())
    HONE_CHECK(key == "dtype" || key == "shape" || key == "data_offsets", "tensor '", name, "': unknown key '", key,
               "'");
  return e;
}

// Parses the header, refusing duplicate top-level names (which a plain parse would silently
// collapse to the last one) and nesting deeper than any valid header has.
nlohmann::json parse_header(const char* begin, const char* end) {
  std::set<std::string> names;
  auto check = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if ((event == Event::object_start || event == Event::array_start) && depth >= kMaxHeaderDepth)
      HONE_FAIL("header nests deeper than a safetensors header can");
    if (event == Event::key && depth == 1 && !names.insert(parsed.get<std::string>()).second)
      HONE_FAIL("header names '", parsed.get<std::string>(), "' twice");
    return true;
  };
  try {
    return nlohmann::json::parse(begin, end, check);
  } catch (const nlohmann::json::exception& e) {
    HONE_FAIL("header is not valid JSON: ", e.what());
  }
}

// The reference implementation requires the tensors, in offset order, to tile the data section
// exactly: the first starts at 0, each starts where the previous ended, the last ends at the end
// of the file. Anything else is a damaged or hand-edited file.
void check_tiling(const std::vector<SafetensorsEntry>& entries, size_t data_bytes) {
  size_t covered = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const auto& e : entries) {
    if (e.begin < covered)
      HONE_FAIL("tensors '", previous->name, "' and '", e.name, "' overlap in the data section");
    if (e.begin > covered) {
      if (previous)
        HONE_FAIL("gap of ", e.begin - covered, " bytes in the data section between tensors '", previous->name,
                  "' and '", e.name, "'");
      HONE_FAIL("gap of ", e.begin, " bytes at the start of the data section, before tensor '", e.name, "'");
    }
    covered = e.end;
    previous = &e;
  }
  HONE_CHECK(covered == data_bytes, "data section has ", data_bytes - covered,
             " bytes after the last tensor (offsets do not cover the file)");
}

}  // namespace

std::string escape_control_chars(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    if (c >= 0x20 && c != 0x7f) {
      out += char(c);
    } else {
      static const char digits[] = "0123456789abcdef";
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  try {
    return open_unchecked(path);
  } catch (const Error& e) {
    throw Error(escape_control_chars(e.what()));
  }
}

SafetensorsFile SafetensorsFile::open_unchecked(const std::string& path) {
  return with_context(path, [&] {
    SafetensorsFile f;
    f.file_ = MappedFile::open(path);
    const size_t size = f.file_->size();
    HONE_CHECK(size >= 8, "too short for a safetensors file (", size, " bytes)");
    uint64_t header_len = 0;
    std::memcpy(&header_len, f.file_->data(), 8);  // little-endian on every platform hone builds for
    HONE_CHECK(header_len <= kMaxHeaderBytes, "header length ", header_len, " is absurd (limit ", kMaxHeaderBytes,
               ")");
    HONE_CHECK(header_len <= size - 8, "header length ", header_len, " runs past the end of the file (",
               size, " bytes): truncated?");
    f.data_start_ = 8 + size_t(header_len);
    const char* header = reinterpret_cast<const char*>(f.file_->data() + 8);
    // The format's README requires this (whitespace may only trail the JSON).
    HONE_CHECK(header_len > 0 && header[0] == '{', "header does not start with '{' as the format requires");
    const nlohmann::json json = parse_header(header, header + header_len);
    HONE_CHECK(json.is_object(), "header is not a JSON object");
    const size_t data_bytes = size - f.data_start_;
    for (const auto& [name, info] : json.items()) {
      if (name == "__metadata__") {
        if (info.is_null()) continue;  // the reference implementation accepts an explicit null
        HONE_CHECK(info.is_object(), "__metadata__ is not an object");
        for (const auto& [k, v] : info.items()) {
          HONE_CHECK(v.is_string(), "__metadata__ value for '", k, "' is not a string");
          f.metadata_[k] = v.get<std::string>();
        }
        continue;
      }
      f.entries_.push_back(parse_entry(name, info, data_bytes));
    }
    std::sort(f.entries_.begin(), f.entries_.end(), [](const auto& a, const auto& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    check_tiling(f.entries_, data_bytes);
    for (size_t i = 0; i < f.entries_.size(); ++i) f.index_[f.entries_[i].name] = i;
    return f;
  });
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = index_.find(name);
  HONE_CHECK(it != index_.end(), path(), ": no tensor named '", escape_control_chars(name), "'");
  return entries_[it->second];
}

namespace {

// Reads one element of an integer dtype as int64; U64 values beyond int64 saturate, so the
// caller's 32-bit range check reports them.
int64_t read_integer(const std::string& file_dtype, const unsigned char* p) {
  if (file_dtype == "I64" || file_dtype == "U64") {
    int64_t v;
    std::memcpy(&v, p, 8);
    if (file_dtype == "U64" && v < 0) return std::numeric_limits<int64_t>::max();
    return v;
  }
  if (file_dtype == "U32") { uint32_t v; std::memcpy(&v, p, 4); return v; }
  if (file_dtype == "I16") { int16_t v; std::memcpy(&v, p, 2); return v; }
  if (file_dtype == "U16") { uint16_t v; std::memcpy(&v, p, 2); return v; }
  if (file_dtype == "I8") return int8_t(*p);
  return *p;  // U8, BOOL
}

}  // namespace

Tensor SafetensorsFile::get(const std::string& name) const {
  try {
    return get_unchecked(name);
  } catch (const Error& e) {
    throw Error(escape_control_chars(e.what()));
  }
}

Tensor SafetensorsFile::get_unchecked(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  HONE_CHECK(e.loadable, path(), ": tensor '", name, "' has dtype ", e.file_dtype, ", which hone cannot load yet");
  unsigned char* bytes = file_->mutable_data() + data_start_ + e.begin;
  const FileDType* fd = find_file_dtype(e.file_dtype);
  Tensor t;
  if (fd->loads_as != DType::I32 || e.file_dtype == "I32") {
    if (reinterpret_cast<uintptr_t>(bytes) % fd->bytes == 0) {
      t = Tensor::borrow(e.shape, e.dtype, bytes, file_);
    } else {  // unaligned data: copy so typed access stays well-defined
      t = Tensor::empty(e.shape, e.dtype);
      std::memcpy(t.raw(), bytes, e.end - e.begin);
    }
  } else {  // narrower or wider integers widen/narrow to I32, with a range check
    t = Tensor::empty(e.shape, DType::I32);
    int32_t* out = t.data<int32_t>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      const int64_t v = read_integer(e.file_dtype, bytes + size_t(i) * fd->bytes);
      HONE_CHECK(v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max(), path(),
                 ": tensor '", name, "': value ", v, " does not fit in 32 bits");
      out[i] = int32_t(v);
    }
  }
  t.set_name(name);
  return t;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  size_t offset = 0;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    HONE_CHECK(name != "__metadata__" && names.insert(name).second, path, ": duplicate or reserved tensor name '", name,
               "'");
    HONE_CHECK(t.defined(), path, ": tensor '", name, "' is undefined");
    const size_t bytes = t.nbytes();
    header[name] = {{"dtype", file_dtype_for(t.dtype())},
                    {"shape", std::vector<int64_t>(t.shape().begin(), t.shape().end())},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  // Pad the header with spaces so the data section starts 8-byte aligned, as the format advises.
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');
  HONE_CHECK(text.size() <= kMaxHeaderBytes, path, ": header of ", text.size(), " bytes exceeds the format's limit of ",
             kMaxHeaderBytes, " (too many tensors for one file: write shards)");
  write_file_atomically(path, [&](std::ostream& out) {
    const uint64_t len = text.size();
    out.write(reinterpret_cast<const char*>(&len), 8);
    out.write(text.data(), std::streamsize(text.size()));
    for (const auto& [name, t] : tensors) out.write(static_cast<const char*>(t.raw()), std::streamsize(t.nbytes()));
  });
}

}  // namespace hone
