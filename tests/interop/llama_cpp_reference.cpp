#include "interop/llama_cpp_reference.h"

#include <sys/wait.h>

#include <array>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hone/util/error.h"

namespace hone::testing {

namespace {

namespace fs = std::filesystem;

// Exit status and stdout of a shell command.
std::pair<int, std::string> run_shell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  HONE_CHECK(pipe != nullptr, "cannot start: ", command);
  std::string output;
  std::array<char, 65536> buffer;
  size_t got;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), got);
  const int status = ::pclose(pipe);
  return {status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string quoted(const std::string& text) {
  std::string out = "'";
  out.append(text).append("'");
  return out;
}

}  // namespace

std::string llama_cpp_skip_reason() {
  const auto [status, version] = run_shell("node --version 2>/dev/null");
  if (status != 0 || version.size() < 2 || version[0] != 'v') return "";  // run_llama_cpp says to install node
  const int major = std::atoi(version.c_str() + 1);
  if (major >= 20) return "";
  return "llama.cpp runs through the npm package node-llama-cpp, which needs Node >= 20; this node is " +
         version.substr(0, version.find_first_of("\r\n")) + " (Debian 12's), so scripts/fetch_test_references.sh did not install it";
}

std::vector<LlamaCppResult> run_llama_cpp(const std::vector<LlamaCppJob>& jobs, const std::string& scratch_dir) {
  const fs::path source(HONE_SOURCE_DIR);
  const fs::path npm = source / ".cache" / "npm-llama-cpp";
  const fs::path script = source / "tests" / "reference" / "llama_cpp_reference.mjs";
  HONE_CHECK(run_shell("command -v node >/dev/null 2>&1").first == 0,
             "node is not installed, and the llama.cpp comparison runs llama.cpp through it: run scripts/setup.sh "
             "(installs nodejs and npm), then scripts/fetch_test_references.sh");
  for (const char* package : {"node-llama-cpp", "@node-llama-cpp/linux-x64"}) {
    const fs::path probe = npm / "node_modules" / package / "package.json";
    HONE_CHECK(fs::exists(probe), "the llama.cpp reference is not installed (", probe.string(),
               " is missing): run scripts/fetch_test_references.sh (needs node and npm)");
  }

  nlohmann::json list = nlohmann::json::array();
  for (const LlamaCppJob& job : jobs)
    list.push_back({{"model", job.model}, {"tokens", job.tokens}, {"lora", job.lora}, {"greedy", job.greedy},
                    {"top_k", 0}, {"full", true}, {"kv_type", "f32"}});
  const fs::path jobs_path = fs::path(scratch_dir) / "llama_cpp_jobs.json";
  const fs::path stderr_path = fs::path(scratch_dir) / "llama_cpp_stderr.txt";
  std::ofstream(jobs_path) << list.dump();

  std::string command = "node ";
  command.append(quoted(script.string())).append(" --npm ").append(quoted(npm.string()));
  command.append(" --jobs ").append(quoted(jobs_path.string())).append(" --threads 2 2>").append(quoted(stderr_path.string()));
  const auto [status, output] = run_shell(command);
  HONE_CHECK(status == 0, "llama.cpp reference failed (exit ", status, "): ", command, "\n", read_text(stderr_path));

  const nlohmann::json parsed = nlohmann::json::parse(output);
  HONE_CHECK(parsed.is_array() && parsed.size() == jobs.size(), "llama.cpp reference: expected ", jobs.size(),
             " results, got: ", output.substr(0, 400));
  std::vector<LlamaCppResult> results;
  for (const auto& item : parsed) {
    LlamaCppResult r;
    r.logits = item.at("logits").get<std::vector<double>>();
    r.greedy = item.at("greedy").get<std::vector<int32_t>>();
    r.greedy_margins = item.at("greedy_margins").get<std::vector<double>>();
    r.build = item.at("llama_cpp");
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace hone::testing
