#include "hone/cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace hone::cli {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const long s = long(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

void ProgressLine::update(const std::string& text, bool log_anyway) {
  if (stderr_is_terminal()) {
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    std::fflush(stderr);
    live_ = true;
  } else if (log_anyway) {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
}

void ProgressLine::finish() {
  if (live_) std::fprintf(stderr, "\n");
  live_ = false;
}

}  // namespace hone::cli
