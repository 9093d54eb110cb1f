// A Google Benchmark reporter that prints one JSON object per line: a first "context" line
// (host, CPU count, hone thread count), then one "measurement" line per benchmark run with its
// per-iteration times and every counter as a rate. Include it in a *_bench.cpp and end that file
// with HONE_BENCHMARK_MAIN() instead of BENCHMARK_MAIN().
#pragma once

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hone/util/threads.h"

namespace hone::bench {

class JsonLinesReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& context) override {
    const auto& cpu = context.cpu_info;
    nlohmann::json line = {{"type", "context"},
                           {"host", context.sys_info.name},
                           {"executable", Context::executable_name ? Context::executable_name : ""},
                           {"num_cpus", cpu.num_cpus},
                           {"mhz_per_cpu", cpu.cycles_per_second / 1e6},
                           {"hone_threads", hone::threads()},
                           {"cpu_scaling_enabled", cpu.scaling == benchmark::CPUInfo::ENABLED}};
    GetOutputStream() << line.dump() << std::endl;
    return true;
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) GetOutputStream() << to_json(run).dump() << std::endl;
  }

  static nlohmann::json to_json(const Run& run) {
    // Times in nanoseconds per iteration whatever unit the benchmark chose.
    const double to_ns = 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
    nlohmann::json line = {{"type", "measurement"},
                           {"name", run.benchmark_name()},
                           {"family", run.run_name.function_name},
                           {"args", run.run_name.args},
                           {"iterations", int64_t(run.iterations)},
                           {"threads", run.threads},
                           {"real_time_ns", run.GetAdjustedRealTime() * to_ns},
                           {"cpu_time_ns", run.GetAdjustedCPUTime() * to_ns}};
    if (run.run_type == Run::RT_Aggregate) line["aggregate"] = run.aggregate_name;
    if (!run.report_label.empty()) line["label"] = run.report_label;
    if (run.error_occurred) line["error"] = run.error_message;
    for (const auto& [name, counter] : run.counters) line[name] = counter.value;
    return line;
  }
};

// Runs the registered benchmarks with the JSON-lines reporter. Besides Google Benchmark's own
// flags it takes --threads=N (hone's kernel and BLAS threads; default all cores).
inline int run_benchmarks(int argc, char** argv) {
  int threads = 0;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) threads = std::atoi(argv[i] + 10);
    else rest.push_back(argv[i]);
  }
  hone::set_threads(threads);
  int rest_argc = int(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  JsonLinesReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace hone::bench

#define HONE_BENCHMARK_MAIN() \
  int main(int argc, char** argv) { return ::hone::bench::run_benchmarks(argc, argv); }
