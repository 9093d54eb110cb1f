#include "support/hone_cli.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace hone::testing {

std::string hone_binary() {
  namespace fs = std::filesystem;
  const fs::path path = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "src" / "hone";
  EXPECT_TRUE(fs::exists(path)) << path << " is missing: build the hone target before the CLI tests";
  return path.string();
}

CliResult run_hone(const std::string& arguments, bool with_stderr, const std::string& workdir) {
  // Built with append: GCC 12 warns (-Wrestrict, bug 105329) on "literal" + std::string chains.
  std::string command;
  if (!workdir.empty()) command.append("cd '").append(workdir).append("' && ");
  command.append("'").append(hone_binary()).append("' ").append(arguments).append(with_stderr ? " 2>&1" : " 2>/dev/null");
  return run_command(command);
}

CliResult run_command(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  CliResult result;
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t got;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), got);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

pid_t start_hone(const std::string& arguments, const std::string& ready_file) {
  std::string command;
  command.append("exec '").append(hone_binary()).append("' ").append(arguments).append(" > /dev/null 2>&1");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  EXPECT_GE(pid, 0) << "fork failed for " << command;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!ready_file.empty() && !std::filesystem::exists(ready_file) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return pid;
}

}  // namespace hone::testing
