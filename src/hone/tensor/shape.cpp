#include "hone/tensor/shape.h"

#include "hone/util/error.h"

namespace hone {

Shape::Shape(std::initializer_list<int64_t> dims) {
  for (int64_t d : dims) push_back(d);
}

void Shape::push_back(int64_t dim) {
  HONE_CHECK(rank_ < kMaxRank, "shape ", str(), ": more than ", kMaxRank, " dimensions");
  HONE_CHECK(dim >= 0, "shape ", str(), ": negative dimension ", dim);
  dims_[size_t(rank_++)] = dim;
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[size_t(i)];
  return n;
}

Shape Shape::drop_front() const {
  HONE_CHECK(rank_ > 0, "cannot drop the leading dimension of a scalar shape");
  return Shape(begin() + 1, end());
}

Shape Shape::prepend(int64_t dim) const {
  Shape out{dim};
  for (int64_t d : *this) out.push_back(d);
  return out;
}

bool Shape::operator==(const Shape& other) const {
  if (rank_ != other.rank_) return false;
  for (int i = 0; i < rank_; ++i)
    if (dims_[size_t(i)] != other.dims_[size_t(i)]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) s += (i ? ", " : "") + std::to_string(dims_[size_t(i)]);
  return s + "]";
}

}  // namespace hone
