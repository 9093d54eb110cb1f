#include "hone/train/interrupt.h"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace hone {

namespace {
std::atomic<int> g_signal{0};

void on_signal(int signal) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, signal)) {
    // A second signal: the user (or the scheduler) does not want to wait for the checkpoint.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  const char int_msg[] = "\nhone: interrupted: finishing this step and writing a checkpoint (Ctrl-C again to abort)\n";
  const char term_msg[] = "\nhone: terminated (SIGTERM): finishing this step and writing a checkpoint\n";
  const bool term = signal == SIGTERM;
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, term ? term_msg : int_msg, term ? sizeof(term_msg) - 1 : sizeof(int_msg) - 1);
}
}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}
bool interrupt_requested() { return g_signal.load() != 0; }
int interrupt_signal() { return g_signal.load(); }
void set_interrupt_requested(bool requested) { g_signal.store(requested ? SIGINT : 0); }

}  // namespace hone
