// Hand-assembled GGUF bytes for the reader tests: files built field by field, independent of
// hone's writer, so malformed files can be made one field at a time.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace hone::testing {

struct RawGguf {
  std::string bytes;

  template <class T>
  RawGguf& put(T value) {
    char b[sizeof(T)];
    std::memcpy(b, &value, sizeof(T));
    bytes.append(b, sizeof(T));
    return *this;
  }
  RawGguf& u8(uint8_t v) { return put(v); }
  RawGguf& u32(uint32_t v) { return put(v); }
  RawGguf& u64(uint64_t v) { return put(v); }
  RawGguf& i64(int64_t v) { return put(v); }
  RawGguf& f32(float v) { return put(v); }
  RawGguf& str(const std::string& s) {
    u64(s.size());
    bytes += s;
    return *this;
  }
  RawGguf& raw(const std::string& s) {
    bytes += s;
    return *this;
  }
  // Zero bytes up to the next multiple of `alignment`.
  RawGguf& pad(size_t alignment) {
    bytes.append((alignment - bytes.size() % alignment) % alignment, '\0');
    return *this;
  }
  // "GGUF", version, tensor count, metadata count.
  static RawGguf header(int64_t tensors, int64_t entries, uint32_t version = 3) {
    RawGguf r;
    r.raw("GGUF").u32(version).i64(tensors).i64(entries);
    return r;
  }
  // A tensor info: name, dims (ggml order, fastest first), ggml type, offset.
  RawGguf& tensor_info(const std::string& name, std::initializer_list<int64_t> ne, uint32_t type, uint64_t offset) {
    str(name).u32(uint32_t(ne.size()));
    for (int64_t d : ne) i64(d);
    return u32(type).u64(offset);
  }
};

}  // namespace hone::testing
