// One op checked against a PyTorch golden case: the golden file holds "<case>.<input>" tensors,
// "<case>.out", the random weights "<case>.R" and "<case>.grad_<input>" = d(sum(out * R))/d(input),
// as tests/reference/golden_ops_*.py write them.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hone/tensor/tensor.h"

namespace hone::testing {

using GoldenInputs = std::map<std::string, Tensor>;
using GoldenOp = std::function<Tensor(const GoldenInputs&)>;

// |hone - torch| <= atol + rtol * |torch|.
struct Tolerance {
  double atol, rtol;
};

// Loads the inputs (f32 ones require a gradient), runs op, and compares the output and every
// f32 input's gradient with the golden.
void check_golden_case(const std::string& golden_file, const std::string& case_name,
                       const std::vector<std::string>& input_names, const GoldenOp& op, Tolerance out_tol,
                       Tolerance grad_tol);

}  // namespace hone::testing
