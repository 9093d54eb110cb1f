#include "hone/tensor/onednn_products.h"

#include <dnnl.hpp>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <tuple>
#include <vector>

#include "hone/util/error.h"

#if DNNL_CPU_THREADING_RUNTIME != DNNL_RUNTIME_OMP
#error "hone needs oneDNN's OpenMP build (one thread pool with hone's kernels and OpenBLAS)"
#endif

namespace hone {
namespace kernels {

namespace {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl_cpu_isa_t effective_isa() {
  static const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  return isa;
}

bool isa_has_avx512(dnnl_cpu_isa_t isa) { return (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core; }

// Everything a matmul primitive is specialised on.
using Bf16Key = std::tuple<bool, bool, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                           int64_t, float, float>;

struct Bf16Product {
  dnnl::matmul primitive;
  dnnl::memory::desc a, b, c;
  size_t scratch_bytes;
};

const Bf16Product& bf16_product(const Bf16Key& key) {
  static std::mutex mutex;
  static std::map<Bf16Key, std::unique_ptr<Bf16Product>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[key];
  if (slot) return *slot;
  const auto [ta, tb, M, N, K, lda, sa, ldb, sb, ldc, sc, batch, alpha, beta] = key;
  using dt = dnnl::memory::data_type;
  // Batch dimension first; a shared operand is a batch of one that oneDNN broadcasts.
  // (A batch of one gets its own extent as its stride: oneDNN rejects a zero stride.)
  const int64_t sa_desc = sa ? sa : (ta ? K : M) * lda, sb_desc = sb ? sb : (tb ? N : K) * ldb;
  const dnnl::memory::desc a({sa ? batch : 1, M, K}, dt::bf16, ta ? dnnl::memory::dims{sa_desc, 1, lda}
                                                                  : dnnl::memory::dims{sa_desc, lda, 1});
  const dnnl::memory::desc b({sb ? batch : 1, K, N}, dt::bf16, tb ? dnnl::memory::dims{sb_desc, 1, ldb}
                                                                  : dnnl::memory::dims{sb_desc, ldb, 1});
  const dnnl::memory::desc c({batch, M, N}, dt::f32, dnnl::memory::dims{sc, ldc, 1});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // per-thread scratch: safe to run concurrently
  if (alpha != 1.0f) attr.set_output_scales(0, {alpha});
  if (beta != 0.0f) {
    dnnl::post_ops ops;
    ops.append_sum(beta);
    attr.set_post_ops(ops);
  }
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), attr, cpu_engine());
  slot = std::make_unique<Bf16Product>(Bf16Product{dnnl::matmul(pd), a, b, c, pd.scratchpad_desc().get_size()});
  return *slot;
}

}  // namespace

bool onednn_sgemm_preferred() {
  static const bool preferred = [] {
    const char* env = std::getenv("HONE_F32_GEMM");
    if (env && std::string_view(env) == "openblas") return false;
    if (env && std::string_view(env) == "onednn") return true;
    HONE_CHECK(!env || !*env, "HONE_F32_GEMM must be openblas or onednn, got '", env, "'");
    return isa_has_avx512(effective_isa());
  }();
  return preferred;
}

void onednn_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                  int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  const dnnl_status_t status =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  HONE_CHECK(status == dnnl_success, "internal: dnnl_sgemm failed (status ", int(status), ") for M=", M, " N=", N,
             " K=", K);
}

void onednn_gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const uint16_t* A,
                      int64_t lda, int64_t stride_a, const uint16_t* B, int64_t ldb, int64_t stride_b, float beta,
                      float* C, int64_t ldc, int64_t stride_c, int64_t batch) {
  if (M == 0 || N == 0 || batch == 0) return;
  if (batch == 1) stride_a = stride_b = stride_c = 0;
  // A stride of 0 marks a shared operand; a batched one needs a nonzero stride in the descriptor.
  const Bf16Key key{trans_a, trans_b, M,        N,        K,    lda,   stride_a,
                    ldb,     stride_b, ldc, stride_c == 0 ? M * ldc : stride_c, batch, alpha, beta};
  const Bf16Product& product = bf16_product(key);
  thread_local dnnl::stream stream(cpu_engine());
  thread_local std::vector<uint8_t> scratch;
  if (scratch.size() < product.scratch_bytes) scratch.resize(product.scratch_bytes);
  dnnl::engine& engine = cpu_engine();
  dnnl::memory a(product.a, engine, const_cast<uint16_t*>(A)), b(product.b, engine, const_cast<uint16_t*>(B)),
      c(product.c, engine, C), pad({{int64_t(product.scratch_bytes)}, dnnl::memory::data_type::u8, {1}}, engine,
                                   scratch.data());
  product.primitive.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c},
                                     {DNNL_ARG_SCRATCHPAD, pad}});
  stream.wait();
}

bool cpu_has_native_bf16() {
  const dnnl_cpu_isa_t isa = effective_isa();
  return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16 ||
         (isa & dnnl_cpu_isa_avx512_core_amx) == dnnl_cpu_isa_avx512_core_amx;
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return cat(v->major, ".", v->minor, ".", v->patch);
}

std::string onednn_isa() {
  switch (effective_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    default: return "all";
  }
}

}  // namespace kernels
}  // namespace hone
