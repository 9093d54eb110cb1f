#include "hone/io/gguf_file.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <numeric>

#include "hone/io/gguf_tensor_type.h"
#include "hone/io/mapped_file.h"
#include "hone/util/error.h"

namespace hone {

namespace {

// Limits from ggml's reader (gguf.cpp): strings up to 1 GiB, arrays up to 2^30 items. Nesting is
// capped so that a corrupt file cannot recurse the reader off its stack.
constexpr uint64_t kMaxStringBytes = uint64_t(1) << 30;
constexpr uint64_t kMaxArrayItems = uint64_t(1) << 30;
constexpr int kMaxArrayDepth = 8;
constexpr size_t kMaxKeyBytes = 65535;
constexpr size_t kMaxTensorNameBytes = 63;  // ggml's GGML_MAX_NAME (64) counts the NUL
// The fewest bytes one metadata entry / tensor info can take: they bound the declared counts.
constexpr uint64_t kMinEntryBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 4 + 8;

// Bounds-checked little-endian reads from the file image.
class ByteReader {
 public:
  ByteReader(const unsigned char* data, size_t size) : data_(data), size_(size) {}

  size_t position() const { return pos_; }
  size_t left() const { return size_ - pos_; }

  void need(uint64_t bytes, const char* what) const {
    HONE_CHECK(bytes <= left(), "truncated: ", what, " at byte ", pos_, " needs ", bytes, " bytes but only ", left(),
               " remain");
  }

  template <class T>
  T scalar(const char* what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  std::string string(const char* what) {
    const uint64_t length = scalar<uint64_t>(what);
    HONE_CHECK(length <= kMaxStringBytes, what, " at byte ", pos_ - 8, " has an absurd length of ", length,
               " bytes (limit 1 GiB)");
    need(length, what);
    std::string out(reinterpret_cast<const char*>(data_ + pos_), size_t(length));
    pos_ += size_t(length);
    return out;
  }

 private:
  const unsigned char* data_;
  size_t size_;
  size_t pos_ = 0;
};

GgufType read_type_id(ByteReader& in, const char* what) {
  const uint32_t id = in.scalar<uint32_t>(what);
  HONE_CHECK(id < kGgufTypeCount, what, " ", id, " is not a GGUF value type (0-", kGgufTypeCount - 1, ")");
  return GgufType(id);
}

GgufValue read_value(ByteReader& in, GgufType type, int depth) {
  switch (type) {
    case GgufType::U8: return GgufValue::u8(in.scalar<uint8_t>("u8 value"));
    case GgufType::I8: return GgufValue::i8(in.scalar<int8_t>("i8 value"));
    case GgufType::U16: return GgufValue::u16(in.scalar<uint16_t>("u16 value"));
    case GgufType::I16: return GgufValue::i16(in.scalar<int16_t>("i16 value"));
    case GgufType::U32: return GgufValue::u32(in.scalar<uint32_t>("u32 value"));
    case GgufType::I32: return GgufValue::i32(in.scalar<int32_t>("i32 value"));
    case GgufType::F32: return GgufValue::f32(in.scalar<float>("f32 value"));
    case GgufType::U64: return GgufValue::u64(in.scalar<uint64_t>("u64 value"));
    case GgufType::I64: return GgufValue::i64(in.scalar<int64_t>("i64 value"));
    case GgufType::F64: return GgufValue::f64(in.scalar<double>("f64 value"));
    case GgufType::BOOL: {
      const uint8_t b = in.scalar<uint8_t>("bool value");
      HONE_CHECK(b <= 1, "bool value at byte ", in.position() - 1, " is ", int(b), ", expected 0 or 1");
      return GgufValue::boolean(b == 1);
    }
    case GgufType::STRING: return GgufValue::string(in.string("string value"));
    case GgufType::ARRAY: {
      HONE_CHECK(depth < kMaxArrayDepth, "arrays nested more than ", kMaxArrayDepth, " deep");
      const GgufType element = read_type_id(in, "array element type");
      const uint64_t count = in.scalar<uint64_t>("array length");
      HONE_CHECK(count <= kMaxArrayItems, "array length ", count, " is absurd (limit 2^30)");
      const size_t scalar_bytes = gguf_scalar_bytes(element);
      const uint64_t min_item_bytes = scalar_bytes ? scalar_bytes : element == GgufType::STRING ? 8 : 12;
      HONE_CHECK(count <= in.left() / min_item_bytes, "truncated: array of ", count, " ", gguf_type_name(element),
                 " at byte ", in.position(), " needs at least ", count * min_item_bytes, " bytes but only ",
                 in.left(), " remain");
      std::vector<GgufValue> items;
      items.reserve(size_t(count));
      for (uint64_t i = 0; i < count; ++i) items.push_back(read_value(in, element, depth + 1));
      return GgufValue::array(element, std::move(items));
    }
  }
  HONE_FAIL("internal: GGUF value type ", uint32_t(type));
}

void read_header(ByteReader& in, size_t file_size, uint32_t& version, int64_t& tensor_count, int64_t& entry_count) {
  HONE_CHECK(file_size >= 4, "too short for a GGUF file (", file_size, " bytes)");
  const auto magic = in.scalar<std::array<char, 4>>("magic");
  HONE_CHECK(std::memcmp(magic.data(), "GGUF", 4) == 0, "bad magic ",
             quoted_for_message(std::string(magic.data(), 4)), ": not a GGUF file (expected 'GGUF')");
  version = in.scalar<uint32_t>("version");
  // A version with zero low bits is a small number read with the wrong byte order.
  HONE_CHECK((version & 0xFFFFu) != 0, "version field ", version,
             " looks byte-swapped: big-endian GGUF files are not supported");
  HONE_CHECK(version != 1, "GGUF version 1 is not supported (hone reads versions 2 and 3)");
  HONE_CHECK(version <= 3, "GGUF version ", version, " is newer than hone supports (2 and 3)");
  tensor_count = in.scalar<int64_t>("tensor count");
  entry_count = in.scalar<int64_t>("metadata count");
  HONE_CHECK(tensor_count >= 0, "tensor count ", tensor_count, " is negative");
  HONE_CHECK(entry_count >= 0, "metadata count ", entry_count, " is negative");
  HONE_CHECK(uint64_t(entry_count) <= in.left() / kMinEntryBytes, "metadata count ", entry_count,
             " is absurd for a file of ", file_size, " bytes");
  HONE_CHECK(uint64_t(tensor_count) <= in.left() / kMinTensorInfoBytes, "tensor count ", tensor_count,
             " is absurd for a file of ", file_size, " bytes");
}

uint32_t alignment_from(const GgufMetadata& metadata) {
  const GgufValue* value = metadata.find("general.alignment");
  if (!value) return kGgufDefaultAlignment;
  HONE_CHECK(value->type() == GgufType::U32, "general.alignment is ", value->describe(), ", expected a u32");
  const uint32_t alignment = std::get<uint32_t>(value->variant());
  HONE_CHECK(alignment != 0 && (alignment & (alignment - 1)) == 0, "general.alignment ", alignment,
             " is not a power of two");
  return alignment;
}

GgufTensorInfo read_tensor_info(ByteReader& in, uint32_t alignment) {
  GgufTensorInfo info;
  info.name = in.string("tensor name");
  const std::string quoted = quoted_for_message(info.name);
  HONE_CHECK(!info.name.empty(), "a tensor has an empty name");
  HONE_CHECK(info.name.size() <= kMaxTensorNameBytes, "tensor name ", quoted, " is ", info.name.size(),
             " bytes long (ggml allows at most ", kMaxTensorNameBytes, ")");
  return with_context("tensor " + quoted, [&] {
    const uint32_t n_dims = in.scalar<uint32_t>("dimension count");
    HONE_CHECK(n_dims <= uint32_t(Shape::kMaxRank), "has ", n_dims, " dimensions (at most ", Shape::kMaxRank, ")");
    int64_t ne[Shape::kMaxRank] = {1, 1, 1, 1};
    int64_t numel = 1;
    for (uint32_t i = 0; i < n_dims; ++i) {
      ne[i] = in.scalar<int64_t>("dimension");
      HONE_CHECK(ne[i] >= 0, "dimension ", i, " is negative (", ne[i], ")");
      HONE_CHECK(ne[i] == 0 || numel <= std::numeric_limits<int64_t>::max() / ne[i],
                 "element count overflows 64 bits");
      numel *= ne[i];
    }
    for (uint32_t i = n_dims; i-- > 0;) info.shape.push_back(ne[i]);
    info.ggml_type = in.scalar<uint32_t>("tensor type");
    const std::optional<DType> dtype = dtype_for_ggml_type(info.ggml_type);
    HONE_CHECK(dtype.has_value(), "has ggml type ", info.ggml_type, " (", ggml_type_name(info.ggml_type),
               "), which hone does not read (it reads ", supported_ggml_types(), ")");
    info.dtype = *dtype;
    const DTypeInfo& dt = dtype_info(info.dtype);
    HONE_CHECK(ne[0] % dt.block_size == 0, "row length ", ne[0], " is not a multiple of the ",
               dtype_name(info.dtype), " block size ", dt.block_size);
    const uint64_t blocks = uint64_t(numel / dt.block_size);
    HONE_CHECK(blocks <= std::numeric_limits<size_t>::max() / uint64_t(dt.block_bytes),
               "byte size overflows");
    info.bytes = size_t(blocks) * size_t(dt.block_bytes);
    info.offset = in.scalar<uint64_t>("data offset");
    HONE_CHECK(info.offset % alignment == 0, "data offset ", info.offset, " is not a multiple of the alignment ",
               alignment);
    return info;
  });
}

void check_extent(const GgufTensorInfo& t, uint64_t extent, uint64_t alignment) {
  HONE_CHECK(extent - uint64_t(t.bytes) < alignment, "tensor ", quoted_for_message(t.name), ": its type ",
             dtype_name(t.dtype), " and shape ", t.shape.str(), " make ", t.bytes, " bytes, but its data extends ", extent,
             " bytes to the ", "next tensor or the end of the file (a wrong type or shape field?)");
}

}  // namespace

GgufFile GgufFile::open(const std::string& path) {
  std::shared_ptr<MappedFile> file = MappedFile::open(path);
  return parse(path, file->mutable_data(), file->size(), file);
}

GgufFile GgufFile::from_bytes(const std::string& source, std::vector<unsigned char> bytes) {
  auto buffer = std::make_shared<std::vector<unsigned char>>(std::move(bytes));
  return parse(source, buffer->data(), buffer->size(), buffer);
}

GgufFile GgufFile::parse(const std::string& source, unsigned char* data, size_t size,
                         std::shared_ptr<const void> owner) {
  return with_context(source, [&] {
    GgufFile f;
    f.metadata_ = GgufMetadata(source);
    f.owner_ = std::move(owner);
    ByteReader in(data, size);
    int64_t tensor_count = 0, entry_count = 0;
    read_header(in, size, f.version_, tensor_count, entry_count);

    for (int64_t i = 0; i < entry_count; ++i) {
      std::string key = with_context(cat("metadata entry ", i, " of ", entry_count),
                                     [&] { return in.string("metadata key"); });
      const std::string quoted = quoted_for_message(key);
      HONE_CHECK(!key.empty(), "metadata entry ", i, " has an empty key");
      HONE_CHECK(key.size() <= kMaxKeyBytes, "metadata key ", quoted, " is longer than ", kMaxKeyBytes, " bytes");
      HONE_CHECK(!f.metadata_.contains(key), "metadata key ", quoted, " appears twice");
      GgufValue value = with_context("metadata key " + quoted, [&] {
        const GgufType type = read_type_id(in, "value type");
        return read_value(in, type, 0);
      });
      f.metadata_.set(key, std::move(value));
    }
    f.alignment_ = alignment_from(f.metadata_);

    f.tensors_.reserve(size_t(tensor_count));
    for (int64_t i = 0; i < tensor_count; ++i) {
      GgufTensorInfo info = with_context(cat("tensor info ", i, " of ", tensor_count),
                                         [&] { return read_tensor_info(in, f.alignment_); });
      HONE_CHECK(f.index_.emplace(info.name, f.tensors_.size()).second, "tensor ", quoted_for_message(info.name),
                 " appears twice");
      f.tensors_.push_back(std::move(info));
    }

    // The data section starts at the next multiple of the alignment after the tensor infos.
    const size_t header_end = in.position();
    const size_t data_start = header_end + (f.alignment_ - header_end % f.alignment_) % f.alignment_;
    if (f.tensors_.empty()) return f;
    HONE_CHECK(data_start <= size, "truncated: the data section would start at byte ", data_start,
               " but the file has ", size, " bytes");
    const size_t data_bytes = size - data_start;
    f.data_section_ = data + data_start;
    for (const auto& t : f.tensors_) {
      HONE_CHECK(t.offset <= data_bytes && t.bytes <= data_bytes - t.offset, "tensor ", quoted_for_message(t.name),
                 ": data [", t.offset, ", ", t.offset + uint64_t(t.bytes), ") runs past the end of the ", data_bytes,
                 "-byte data section (file truncated?)");
    }
    std::vector<size_t> order(f.tensors_.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return f.tensors_[a].offset < f.tensors_[b].offset; });
    const GgufTensorInfo* previous = nullptr;
    for (size_t i : order) {
      const GgufTensorInfo& t = f.tensors_[i];
      if (t.bytes == 0) continue;
      HONE_CHECK(!previous || previous->offset + previous->bytes <= t.offset, "tensors ",
                 quoted_for_message(previous ? previous->name : ""), " and ", quoted_for_message(t.name),
                 " overlap in the data section");
      // Writers place tensors back to back, each padded to the alignment. A gap of a whole
      // alignment unit or more means the type or shape says fewer bytes than the tensor was
      // written with (a changed type field would otherwise load as other numbers).
      if (previous) check_extent(*previous, t.offset - previous->offset, f.alignment_);
      previous = &t;
    }
    if (previous) check_extent(*previous, data_bytes - previous->offset, f.alignment_);
    return f;
  });
}

const GgufTensorInfo& GgufFile::info(const std::string& name) const {
  const auto it = index_.find(name);
  HONE_CHECK(it != index_.end(), source(), ": no tensor named ", quoted_for_message(name));
  return tensors_[it->second];
}

Tensor GgufFile::get(const std::string& name) const {
  const GgufTensorInfo& t = info(name);
  unsigned char* bytes = data_section_ + t.offset;
  const DTypeInfo& dt = dtype_info(t.dtype);
  Tensor out;
  // Block types are read byte by byte, so any address will do; scalar types need natural
  // alignment for typed access, which a file with general.alignment 1 or 2 may not give.
  const bool aligned = dt.block_size > 1 || reinterpret_cast<uintptr_t>(bytes) % uintptr_t(dt.block_bytes) == 0;
  if (aligned && t.bytes > 0) {
    out = Tensor::borrow(t.shape, t.dtype, bytes, owner_);
  } else {
    out = Tensor::empty(t.shape, t.dtype);
    if (t.bytes > 0) std::memcpy(out.raw(), bytes, t.bytes);
  }
  out.set_name(name);
  return out;
}

}  // namespace hone
