// Tensor: a shared handle to contiguous row-major storage with a shape and a dtype.
// Copies of a Tensor share data (like torch.Tensor); clone() copies it. Views exist only along
// the leading dimension (slice, select) and as reshapes, which keeps every kernel a flat loop.
// The autograd fields live here so that a tensor carries its own gradient and graph link, but
// only the autograd layer reads or writes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hone/tensor/dtype.h"
#include "hone/tensor/shape.h"
#include "hone/util/error.h"

namespace hone {

class Node;  // autograd/node.h

// A block of bytes: owned (from the tracking allocator) or borrowed from an owner that keeps it
// alive, such as a memory-mapped file.
struct Storage {
  void* data = nullptr;
  size_t bytes = 0;
  std::shared_ptr<const void> owner;  // set for borrowed memory

  explicit Storage(size_t bytes);
  Storage(void* data, size_t bytes, std::shared_ptr<const void> owner);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  size_t offset = 0;  // bytes from storage->data
  Shape shape;
  DType dtype = DType::F32;
  // Autograd: a leaf with requires_grad accumulates into grad; a non-leaf points at the node
  // that produced it. Frozen tensors have neither and never get a gradient buffer.
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<Node> grad_fn;
  std::string name;  // optional; Hugging Face path for parameters, used in messages
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Uninitialised memory, zeros, a constant, or a copy of the given values.
  static Tensor empty(const Shape& shape, DType dtype = DType::F32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::F32);
  static Tensor from_floats(const Shape& shape, std::span<const float> values);
  static Tensor from_doubles(const Shape& shape, std::span<const double> values);
  static Tensor from_ints(const Shape& shape, std::span<const int32_t> values);  // I32
  // Borrows `data` (not copied); `owner` keeps it alive for the tensor's lifetime.
  static Tensor borrow(const Shape& shape, DType dtype, void* data, std::shared_ptr<const void> owner);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  int rank() const { return shape().rank(); }
  int64_t dim(int i) const { return shape()[i]; }
  int64_t numel() const { return shape().numel(); }
  DType dtype() const { return impl().dtype; }
  size_t nbytes() const { return dtype_bytes(dtype(), numel()); }
  const std::string& name() const { return impl().name; }
  Tensor& set_name(std::string name);

  void* raw() const { return static_cast<char*>(impl().storage->data) + impl().offset; }
  // Typed access; checks that T matches the dtype (float for F32, double for F64,
  // int32_t for I32, uint16_t for BF16/F16, uint8_t for block types).
  template <class T>
  T* data() const;

  // Rows [begin, end) of the leading dimension, sharing storage.
  Tensor slice(int64_t begin, int64_t end) const;
  // Row i of the leading dimension without that dimension, sharing storage.
  Tensor select(int64_t i) const;
  // Same data, new shape (one dimension may be -1). Not differentiable: see autograd's reshape.
  Tensor view(const Shape& shape) const;
  Tensor view(std::initializer_list<int64_t> dims) const;

  Tensor clone() const;
  // Converts to another dtype (a copy, or *this when the dtype already matches).
  Tensor to(DType dtype) const;
  // Copies the values of src (same numel; converting dtype) into this tensor's storage.
  void copy_from(const Tensor& src);
  void fill(double value);
  // Values as doubles, in row-major order (any dtype); for tests and small reads.
  std::vector<double> to_doubles() const;
  double item() const;  // the single value of a one-element tensor

  // Autograd state (see autograd/): flags, the accumulated gradient, the producing node.
  bool requires_grad() const { return impl().requires_grad || impl().grad_fn != nullptr; }
  Tensor& set_requires_grad(bool flag);
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  Tensor grad() const { return Tensor(impl().grad); }
  void zero_grad() { impl().grad.reset(); }
  // Same data, no graph link, requires_grad false.
  Tensor detach() const;

  TensorImpl& impl() const {
    HONE_CHECK(impl_ != nullptr, "use of an undefined tensor");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same_as(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// "tensor 'model.embed_tokens.weight' [8, 4] f32" — for messages.
std::string describe(const Tensor& t);

}  // namespace hone
