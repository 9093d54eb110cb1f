# Third-party libraries, all from Debian 12 packages (scripts/setup.sh installs them).

find_package(OpenMP REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)

# OpenBLAS built on OpenMP, so BLAS and hone's own kernels share one thread pool (no
# oversubscription, and a BLAS call inside a parallel region runs on its caller's thread).
# Debian installs it beside the pthread build; we link it by path and put its folder on the
# RUNPATH so the dynamic loader cannot pick the other variant through the alternatives system.
set(HONE_OPENBLAS_DIR "/usr/lib/x86_64-linux-gnu/openblas-openmp" CACHE PATH "OpenBLAS (OpenMP variant) library folder")
find_library(HONE_BLAS_LIBRARY NAMES openblas PATHS ${HONE_OPENBLAS_DIR} NO_DEFAULT_PATH REQUIRED)
find_path(HONE_CBLAS_INCLUDE cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-openmp NO_DEFAULT_PATH REQUIRED)
add_library(hone_blas INTERFACE)
target_link_libraries(hone_blas INTERFACE ${HONE_BLAS_LIBRARY})
target_include_directories(hone_blas SYSTEM INTERFACE ${HONE_CBLAS_INCLUDE})
target_link_options(hone_blas INTERFACE "-Wl,-rpath,${HONE_OPENBLAS_DIR}")

# oneDNN (Debian's libdnnl-dev, OpenMP threading like the OpenBLAS above: one thread pool) runs
# the f32 products on AVX-512 CPUs and every bf16 product (src/hone/tensor/onednn_products.h).
find_library(HONE_DNNL_LIBRARY NAMES dnnl REQUIRED)
find_path(HONE_DNNL_INCLUDE oneapi/dnnl/dnnl.hpp REQUIRED)
add_library(hone_dnnl INTERFACE)
target_link_libraries(hone_dnnl INTERFACE ${HONE_DNNL_LIBRARY})
target_include_directories(hone_dnnl SYSTEM INTERFACE ${HONE_DNNL_INCLUDE})
