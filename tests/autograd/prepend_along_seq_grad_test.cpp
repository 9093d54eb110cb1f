// prepend_along_seq: the values land where prefix tuning needs them, and the gradients of both
// inputs (a prefix shared by the batch sums its rows' gradients) match finite differences.
#include <gtest/gtest.h>

#include "hone/autograd/ops_concat.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::random_f64;

TEST(PrependAlongSeq, PutsThePrefixBeforeEachRow) {
  const std::vector<double> p{9, 8}, v{1, 2, 3, 4, 5, 6, 7, 8};
  const Tensor prefix = Tensor::from_doubles({1, 1, 2}, p);
  const Tensor x = Tensor::from_doubles({2, 2, 2}, v);
  const Tensor y = prepend_along_seq(prefix, x);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(y.to_doubles(), (std::vector<double>{9, 8, 1, 2, 3, 4, 9, 8, 5, 6, 7, 8}));
}

TEST(PrependAlongSeq, GradientsMatchFiniteDifferences) {
  for (const int64_t prefix_batch : {int64_t(1), int64_t(3)}) {
    const Tensor prefix = random_f64({prefix_batch, 2, 2, 3}, 1).set_requires_grad(true);
    const Tensor x = random_f64({3, 4, 2, 3}, 2).set_requires_grad(true);
    testing::expect_gradients_match([](const std::vector<Tensor>& in) { return prepend_along_seq(in[0], in[1]); },
                                    {prefix, x});
  }
}

TEST(PrependAlongSeq, MismatchedShapesAreAnError) {
  EXPECT_THROW(prepend_along_seq(Tensor::zeros({2, 1, 3}), Tensor::zeros({3, 2, 3})), Error);
  EXPECT_THROW(prepend_along_seq(Tensor::zeros({1, 1, 4}), Tensor::zeros({3, 2, 3})), Error);
}

}  // namespace
}  // namespace hone
