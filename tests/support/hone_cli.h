// Running the built `hone` binary from end-to-end tests: its path (beside the test programs in
// the build tree) and a runner that captures the exit status and output.
#pragma once

#include <sys/types.h>

#include <string>

namespace hone::testing {

// <build>/src/hone, found from the running test program's own path.
std::string hone_binary();

struct CliResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string output;
};

// Runs `hone <arguments>` through the shell (quote arguments yourself); captures stdout, and
// stderr too unless with_stderr is false (then stderr is discarded). A non-empty `workdir` is
// the directory it runs in (relative paths in arguments resolve there).
CliResult run_hone(const std::string& arguments, bool with_stderr = true, const std::string& workdir = "");

// Runs a shell command line as it is (stdout and stderr as the command redirects them).
CliResult run_command(const std::string& command);

// Starts `hone <arguments>` in the background with its output discarded and, when `ready_file`
// is given, waits (up to 60 s) until that file exists. The pid is hone's own (the shell execs
// it), for signals and waitpid.
pid_t start_hone(const std::string& arguments, const std::string& ready_file = "");

}  // namespace hone::testing
