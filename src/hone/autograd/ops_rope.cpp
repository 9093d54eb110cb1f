#include "hone/autograd/ops_rope.h"

#include <numeric>

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"

namespace hone {

namespace {

// Validates x against the table and positions against x and the table; returns whether
// positions are per batch row ([B, T]).
bool check_rope_args(const Tensor& x, const Tensor& positions, const RopeTable* table) {
  HONE_CHECK(table != nullptr, "rope: no cos/sin table given");
  check_same_float_dtype("rope", {x});
  HONE_CHECK(x.rank() == 4, "rope: input ", describe(x), " must be [batch, seq, heads, head_dim]");
  HONE_CHECK(x.dim(3) == table->config().head_dim, "rope: input ", describe(x), " has head_dim ", x.dim(3),
             " but the table was built for head_dim ", table->config().head_dim);
  HONE_CHECK(positions.defined() && positions.dtype() == DType::I32, "rope: positions must be an i32 tensor, got ",
             positions.defined() ? describe(positions) : std::string("none"));
  const int64_t B = x.dim(0), T = x.dim(1);
  const bool per_row = positions.rank() == 2;
  HONE_CHECK((positions.rank() == 1 && positions.dim(0) == T) ||
                 (per_row && positions.dim(0) == B && positions.dim(1) == T),
             "rope: positions ", describe(positions), " must be [", T, "] or [", B, ", ", T, "] for input ",
             describe(x));
  const int32_t* p = positions.data<int32_t>();
  for (int64_t i = 0; i < positions.numel(); ++i)
    HONE_CHECK(p[i] >= 0 && p[i] < table->max_positions(), "rope: position ", p[i], " at index ", i,
               " of positions ", describe(positions), " is outside the table's range [0, ", table->max_positions(),
               ")");
  return per_row;
}

Tensor rotate(const Tensor& x, const Tensor& positions, bool per_row, const RopeTable& table, bool inverse) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  HONE_DISPATCH_FLOAT(x.dtype(), T, "rope", [&] {
    kernels::rope<T>(x.data<T>(), out.data<T>(), positions.data<int32_t>(), per_row, x.dim(0), x.dim(1), x.dim(2),
                     table, inverse);
  });
  return out;
}

}  // namespace

Tensor rope(const Tensor& x, const Tensor& positions, std::shared_ptr<const RopeTable> table) {
  const bool per_row = check_rope_args(x, positions, table.get());
  Tensor out = rotate(x, positions, per_row, *table, false);
  if (!any_requires_grad({x})) return out;
  // A rotation is orthogonal: its backward is the rotation by the opposite angle.
  return record(out, "rope", {x}, [positions, per_row, table](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{rotate(g, positions, per_row, *table, true)};
  });
}

Tensor rope_positions(int64_t length, int64_t start) {
  HONE_CHECK(length >= 0 && start >= 0 && start + length <= INT32_MAX, "rope_positions: bad range start ", start,
             " length ", length);
  std::vector<int32_t> values(static_cast<size_t>(length));
  std::iota(values.begin(), values.end(), int32_t(start));
  return Tensor::from_ints(Shape{length}, values);
}

}  // namespace hone
