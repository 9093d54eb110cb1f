// Tensor shapes: up to 4 dimensions, row-major.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace hone {

class Shape {
 public:
  static constexpr int kMaxRank = 4;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  template <class It>
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(int64_t(*first));
  }

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[size_t(i < 0 ? i + rank_ : i)]; }
  int64_t& operator[](int i) { return dims_[size_t(i < 0 ? i + rank_ : i)]; }
  int64_t numel() const;
  // Product of all dimensions but the last: the number of rows when viewed as a matrix.
  int64_t rows() const {  // a product, not numel() / cols(), so an empty last dimension is safe
    int64_t n = 1;
    for (int i = 0; i + 1 < rank_; ++i) n *= dims_[size_t(i)];
    return n;
  }
  int64_t cols() const { return rank_ == 0 ? 1 : dims_[size_t(rank_ - 1)]; }
  void push_back(int64_t dim);
  // This shape with the first dimension removed.
  Shape drop_front() const;
  // This shape with dim prepended.
  Shape prepend(int64_t dim) const;
  const int64_t* begin() const { return dims_.data(); }
  const int64_t* end() const { return dims_.data() + rank_; }

  bool operator==(const Shape& other) const;
  bool operator!=(const Shape& other) const { return !(*this == other); }
  std::string str() const;  // "[2, 3, 4]"

 private:
  std::array<int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace hone
