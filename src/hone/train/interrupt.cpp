#include "hone/train/interrupt.h"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace hone {

namespace {
std::atomic<bool> g_requested{false};

void on_sigint(int) {
  if (g_requested.exchange(true)) {
    // Second Ctrl-C: the user does not want to wait for the checkpoint.
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
    return;
  }
  const char msg[] = "\nhone: interrupted: finishing this step and writing a checkpoint (Ctrl-C again to abort)\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
}
}  // namespace

void install_interrupt_handler() { std::signal(SIGINT, on_sigint); }
bool interrupt_requested() { return g_requested.load(); }
void set_interrupt_requested(bool requested) { g_requested.store(requested); }

}  // namespace hone
