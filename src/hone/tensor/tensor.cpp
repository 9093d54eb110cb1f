#include "hone/tensor/tensor.h"

#include <cstring>

#include "hone/tensor/allocator.h"
#include "hone/tensor/convert.h"

namespace hone {

Storage::Storage(size_t n) : data(allocate_tensor_bytes(n)), bytes(n) {}

Storage::Storage(void* d, size_t n, std::shared_ptr<const void> o) : data(d), bytes(n), owner(std::move(o)) {}

Storage::~Storage() {
  if (!owner) free_tensor_bytes(data, bytes);
}

namespace {
std::shared_ptr<TensorImpl> make_impl(const Shape& shape, DType dtype) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(dtype_bytes(dtype, shape.numel()));
  impl->shape = shape;
  impl->dtype = dtype;
  return impl;
}

template <class T>
constexpr bool dtype_matches(DType d) {
  if constexpr (std::is_same_v<T, float>) return d == DType::F32;
  if constexpr (std::is_same_v<T, double>) return d == DType::F64;
  if constexpr (std::is_same_v<T, int32_t>) return d == DType::I32;
  if constexpr (std::is_same_v<T, uint16_t>) return d == DType::BF16 || d == DType::F16;
  if constexpr (std::is_same_v<T, uint8_t>) return is_quantized(d);
  if constexpr (std::is_same_v<T, void>) return true;
  return false;
}
}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype) { return Tensor(make_impl(shape, dtype)); }

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.raw(), 0, t.nbytes());
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  t.fill(value);
  return t;
}

Tensor Tensor::from_floats(const Shape& shape, std::span<const float> values) {
  HONE_CHECK(int64_t(values.size()) == shape.numel(), "from_floats: ", values.size(), " values for shape ", shape.str());
  Tensor t = empty(shape, DType::F32);
  std::memcpy(t.raw(), values.data(), values.size_bytes());
  return t;
}

Tensor Tensor::from_doubles(const Shape& shape, std::span<const double> values) {
  HONE_CHECK(int64_t(values.size()) == shape.numel(), "from_doubles: ", values.size(), " values for shape ", shape.str());
  Tensor t = empty(shape, DType::F64);
  std::memcpy(t.raw(), values.data(), values.size_bytes());
  return t;
}

Tensor Tensor::from_ints(const Shape& shape, std::span<const int32_t> values) {
  HONE_CHECK(int64_t(values.size()) == shape.numel(), "from_ints: ", values.size(), " values for shape ", shape.str());
  Tensor t = empty(shape, DType::I32);
  std::memcpy(t.raw(), values.data(), values.size_bytes());
  return t;
}

Tensor Tensor::borrow(const Shape& shape, DType dtype, void* data, std::shared_ptr<const void> owner) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(data, dtype_bytes(dtype, shape.numel()), std::move(owner));
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor& Tensor::set_name(std::string name) {
  impl().name = std::move(name);
  return *this;
}

template <class T>
T* Tensor::data() const {
  HONE_CHECK(dtype_matches<T>(dtype()), describe(*this), ": accessed with the wrong element type");
  return static_cast<T*>(raw());
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;
template int32_t* Tensor::data<int32_t>() const;
template uint16_t* Tensor::data<uint16_t>() const;
template uint8_t* Tensor::data<uint8_t>() const;
template void* Tensor::data<void>() const;

Tensor Tensor::slice(int64_t begin, int64_t end) const {
  HONE_CHECK(rank() >= 1, describe(*this), ": slice of a scalar");
  HONE_CHECK(0 <= begin && begin <= end && end <= dim(0), describe(*this), ": slice [", begin, ", ", end,
             ") out of range");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->dtype = dtype();
  impl->shape = shape();
  impl->shape[0] = end - begin;
  impl->offset = impl_->offset + dtype_bytes(dtype(), begin * (numel() / std::max<int64_t>(dim(0), 1)));
  return Tensor(std::move(impl));
}

Tensor Tensor::select(int64_t i) const {
  Tensor row = slice(i, i + 1);
  row.impl_->shape = shape().drop_front();
  return row;
}

Tensor Tensor::view(const Shape& new_shape) const {
  Shape resolved = new_shape;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < resolved.rank(); ++i) {
    if (resolved[i] == -1) {
      HONE_CHECK(infer < 0, "view ", new_shape.str(), ": more than one -1");
      infer = i;
    } else {
      known *= resolved[i];
    }
  }
  if (infer >= 0) {
    HONE_CHECK(known > 0 && numel() % known == 0, describe(*this), ": cannot view as ", new_shape.str());
    resolved[infer] = numel() / known;
  }
  HONE_CHECK(resolved.numel() == numel(), describe(*this), ": cannot view as ", new_shape.str());
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset = impl_->offset;
  impl->dtype = dtype();
  impl->shape = resolved;
  return Tensor(std::move(impl));
}

Tensor Tensor::view(std::initializer_list<int64_t> dims) const {
  Shape s;
  for (int64_t d : dims) {
    if (d == -1) {
      s.push_back(0);
      s[s.rank() - 1] = -1;
    } else {
      s.push_back(d);
    }
  }
  return view(s);
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype());
  std::memcpy(out.raw(), raw(), nbytes());
  return out;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = empty(shape(), target);
  convert_elements(raw(), dtype(), out.raw(), target, numel());
  return out;
}

void Tensor::copy_from(const Tensor& src) {
  HONE_CHECK(src.numel() == numel(), "copy_from: ", describe(src), " into ", describe(*this));
  convert_elements(src.raw(), src.dtype(), raw(), dtype(), numel());
}

void Tensor::fill(double value) {
  const int64_t n = numel();
  switch (dtype()) {
    case DType::F32: std::fill_n(data<float>(), n, float(value)); break;
    case DType::F64: std::fill_n(data<double>(), n, value); break;
    case DType::I32: std::fill_n(data<int32_t>(), n, int32_t(value)); break;
    default: {
      Tensor f = full(shape(), value, DType::F32);
      copy_from(f);
    }
  }
}

std::vector<double> Tensor::to_doubles() const {
  std::vector<double> out(static_cast<size_t>(numel()));
  convert_elements(raw(), dtype(), out.data(), DType::F64, numel());
  return out;
}

double Tensor::item() const {
  HONE_CHECK(numel() == 1, describe(*this), ": item() needs exactly one element");
  return to_doubles()[0];
}

Tensor& Tensor::set_requires_grad(bool flag) {
  HONE_CHECK(!flag || dtype() == DType::F32 || dtype() == DType::F64, describe(*this),
             ": only f32/f64 tensors can require gradients");
  HONE_CHECK(is_leaf(), describe(*this), ": requires_grad can only be set on a leaf tensor");
  impl().requires_grad = flag;
  if (!flag) impl().grad.reset();
  return *this;
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset = impl_->offset;
  impl->shape = shape();
  impl->dtype = dtype();
  impl->name = impl_->name;
  return Tensor(std::move(impl));
}

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined tensor";
  std::string s = "tensor ";
  if (!t.name().empty()) s += "'" + t.name() + "' ";
  return s + t.shape().str() + " " + dtype_name(t.dtype());
}

}  // namespace hone
