#include "support/golden_op_case.h"

#include <gtest/gtest.h>

#include "hone/autograd/backward.h"
#include "support/golden.h"

namespace hone::testing {

void check_golden_case(const std::string& golden_file, const std::string& case_name,
                       const std::vector<std::string>& names, const GoldenOp& op, Tolerance out_tol,
                       Tolerance grad_tol) {
  SCOPED_TRACE(golden_file + " case " + case_name);
  const Golden golden(golden_file);
  GoldenInputs in;
  for (const std::string& name : names) {
    const std::string key = case_name + "." + name;
    ASSERT_TRUE(golden.has(key)) << "golden has no " << key;
    Tensor t = golden.get(key).clone();
    if (t.dtype() == DType::F32) t.set_requires_grad(true);
    in[name] = t;
  }
  Tensor out = op(in);
  expect_close(out, golden.get(case_name + ".out"), out_tol.atol, out_tol.rtol, case_name + ".out");
  backward(out, golden.get(case_name + ".R"));
  for (const std::string& name : names) {
    if (in[name].dtype() != DType::F32) continue;
    expect_close(in[name].grad(), golden.get(case_name + ".grad_" + name), grad_tol.atol, grad_tol.rtol,
                 case_name + ".grad_" + name);
  }
}

}  // namespace hone::testing
