// Progress reporting for long verbs: a live line redrawn in place when stderr is a terminal,
// plain log lines otherwise (so logs and CI output stay readable).
#pragma once

#include <string>

namespace hone::cli {

bool stderr_is_terminal();
// "1h02m", "3m05s", "42s".
std::string format_duration(double seconds);

class ProgressLine {
 public:
  // Shows `text` (no newline). On a terminal the previous text is replaced; elsewhere the
  // text is printed only when `log_anyway` is set (callers throttle plain logs).
  void update(const std::string& text, bool log_anyway);
  // Ends the live line so normal output can follow.
  void finish();

 private:
  bool live_ = false;
};

}  // namespace hone::cli
