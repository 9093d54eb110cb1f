#include "hone/io/gguf_writer.h"

#include <algorithm>
#include <cstring>
#include <ostream>
#include <set>
#include <sstream>

#include "hone/io/gguf_file.h"
#include "hone/io/gguf_tensor_type.h"
#include "hone/util/atomic_file.h"

namespace hone {

namespace {

template <class T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

void put_value(std::string& out, const GgufValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          put_string(out, v);
        } else if constexpr (std::is_same_v<T, GgufArray>) {
          put<uint32_t>(out, uint32_t(v.element_type));
          put<uint64_t>(out, v.items.size());
          for (size_t i = 0; i < v.items.size(); ++i) {
            HONE_CHECK(v.items[i].type() == v.element_type, "array of ", gguf_type_name(v.element_type),
                       " holds a ", gguf_type_name(v.items[i].type()), " at index ", i);
            put_value(out, v.items[i]);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          put<uint8_t>(out, v ? 1 : 0);
        } else {
          put<T>(out, v);
        }
      },
      value.variant());
}

uint32_t alignment_of(const GgufMetadata& metadata) {
  const GgufValue* value = metadata.find("general.alignment");
  if (!value) return kGgufDefaultAlignment;
  HONE_CHECK(value->type() == GgufType::U32, "general.alignment must be a u32, not ", value->describe());
  const uint32_t alignment = std::get<uint32_t>(value->variant());
  HONE_CHECK(alignment != 0 && (alignment & (alignment - 1)) == 0, "general.alignment ", alignment,
             " is not a power of two");
  return alignment;
}

size_t padded(size_t n, size_t alignment) { return n + (alignment - n % alignment) % alignment; }

// Header, metadata, tensor infos and the padding before the data section.
std::string header_bytes(const GgufMetadata& metadata, const NamedTensors& tensors, uint32_t alignment) {
  std::string out;
  out += "GGUF";
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors.size());
  put<uint64_t>(out, metadata.size());
  for (const auto& [key, value] : metadata.entries()) {
    HONE_CHECK(!key.empty(), "a metadata key is empty");
    HONE_CHECK(key.size() <= 65535, "metadata key ", quoted_for_message(key), " is longer than 65535 bytes");
    put_string(out, key);
    put<uint32_t>(out, uint32_t(value.type()));
    with_context("metadata key " + quoted_for_message(key), [&] { put_value(out, value); });
  }
  std::set<std::string> names;
  size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const std::string quoted = quoted_for_message(name);
    HONE_CHECK(!name.empty() && name.size() < 64, "tensor name ", quoted, " must be 1 to 63 bytes long");
    HONE_CHECK(names.insert(name).second, "tensor ", quoted, " is given twice");
    HONE_CHECK(t.defined(), "tensor ", quoted, " is undefined");
    const uint32_t type = with_context("tensor " + quoted, [&] { return ggml_type_for_dtype(t.dtype()); });
    const int64_t block = dtype_info(t.dtype()).block_size;
    const int64_t row = t.rank() == 0 ? 1 : t.dim(-1);
    HONE_CHECK(row % block == 0, "tensor ", quoted, " ", t.shape().str(), ": rows of ", row, " elements are not whole ",
               dtype_name(t.dtype()), " blocks of ", block);
    put_string(out, name);
    if (t.rank() == 0) {
      put<uint32_t>(out, 1);
      put<int64_t>(out, 1);
    } else {
      put<uint32_t>(out, uint32_t(t.rank()));
      for (int i = t.rank() - 1; i >= 0; --i) put<int64_t>(out, t.dim(i));
    }
    put<uint32_t>(out, type);
    put<uint64_t>(out, offset);
    offset += padded(t.nbytes(), alignment);
  }
  if (!tensors.empty()) out.append(padded(out.size(), alignment) - out.size(), '\0');
  return out;
}

void write_gguf(std::ostream& out, const std::string& header, const NamedTensors& tensors, uint32_t alignment) {
  out.write(header.data(), std::streamsize(header.size()));
  const std::string zeros(std::min<size_t>(alignment, 4096), '\0');
  for (const auto& [name, t] : tensors) {
    const size_t bytes = t.nbytes();
    if (bytes > 0) out.write(static_cast<const char*>(t.raw()), std::streamsize(bytes));
    for (size_t pad = padded(bytes, alignment) - bytes; pad > 0;) {
      const size_t chunk = std::min(pad, zeros.size());
      out.write(zeros.data(), std::streamsize(chunk));
      pad -= chunk;
    }
  }
}

}  // namespace

void save_gguf(const std::string& path, const GgufMetadata& metadata, const NamedTensors& tensors) {
  const auto [header, alignment] = with_context(path, [&] {
    const uint32_t a = alignment_of(metadata);
    return std::make_pair(header_bytes(metadata, tensors, a), a);
  });
  write_file_atomically(path, [&](std::ostream& out) { write_gguf(out, header, tensors, alignment); });
}

std::string gguf_bytes(const GgufMetadata& metadata, const NamedTensors& tensors) {
  const uint32_t alignment = alignment_of(metadata);
  const std::string header = header_bytes(metadata, tensors, alignment);
  std::ostringstream out;
  write_gguf(out, header, tensors, alignment);
  return out.str();
}

}  // namespace hone
