// `hone info`: what this build is and what it can use — version, threads, BLAS, memory.
// Doubles as the smoke run: it multiplies two matrices through the tensor core.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>

#include "hone/autograd/ops_linalg.h"
#include "hone/cli/threads_flag.h"
#include "hone/cli/verbs.h"
#include "hone/tensor/allocator.h"
#include "hone/tensor/product_precision.h"
#include "hone/tensor/product_routes.h"
#include "hone/util/threads.h"
#include "hone/util/timer.h"

extern "C" char* openblas_get_config();
extern "C" char* openblas_get_corename();

namespace hone::cli {

namespace {
void add_info_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Show this build's configuration and run a quick matmul check");
  auto json = std::make_shared<bool>(false);
  auto threads = std::make_shared<int>(0);
  cmd->add_flag("--json", *json, "Print one JSON object instead of text");
  cmd->add_option("--threads", *threads, "Threads for kernels and BLAS (0 = all cores)");
  cmd->callback([json, threads] {
    apply_threads_flag(*threads);
    const int64_t n = 512;
    Tensor a = Tensor::full({n, n}, 1.0), b = Tensor::full({n, n}, 0.5);
    matmul(a, b);  // untimed: the first call sets up the library (oneDNN generates its kernels)
    Timer timer;
    Tensor c = matmul(a, b);
    const double seconds = timer.seconds();
    const double expected = 0.5 * double(n);
    HONE_CHECK(c.to_doubles()[0] == expected, "matmul self-check failed");
    nlohmann::ordered_json out = {{"version", "0.1.0"},
                                  {"threads", hone::threads()},
                                  {"omp_wait_policy", std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "default"},
                                  {"blas", openblas_get_config()},
                                  {"blas_kernels", openblas_get_corename()},
                                  {"precision_auto", precision_name(resolve_precision("auto"))},
                                  {"precision_auto_why", auto_precision_reason()},
                                  {"matmul_check", "ok"},
                                  {"sgemm_512_gflops", 2.0 * n * n * n / seconds / 1e9},
                                  {"peak_rss_mib", double(peak_resident_bytes()) / (1 << 20)}};
    nlohmann::ordered_json routes = nlohmann::json::array();
    for (const auto& r : kernels::product_routes())
      routes.push_back({{"product", r.product}, {"library", r.library}, {"isa", r.isa}});
    out["products"] = routes;
    if (*json) {
      std::cout << out.dump() << "\n";
    } else {
      for (const auto& [key, value] : out.items()) {
        if (key == "products") continue;
        std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
      }
      std::cout << "products:\n";
      for (const auto& r : routes)
        std::cout << "  " << r["product"].get<std::string>() << ": " << r["library"].get<std::string>() << " ("
                  << r["isa"].get<std::string>() << ")\n";
    }
  });
}

}  // namespace

HONE_REGISTER_VERB(info, add_info_verb);

}  // namespace hone::cli
