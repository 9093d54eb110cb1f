// Ctrl-C (SIGINT) and SIGTERM (what schedulers, systemd and `docker stop` send) during training:
// the first signal asks the trainer to finish its current step, write a checkpoint and stop (the
// command then exits with 128 + the signal: 130 for SIGINT, 143 for SIGTERM); a second one ends
// the process at once.
#pragma once

namespace hone {

// Installs the SIGINT and SIGTERM handlers (idempotent).
void install_interrupt_handler();
bool interrupt_requested();
// The signal that asked to stop (SIGINT or SIGTERM), 0 when none did.
int interrupt_signal();
// For tests: request (or clear) an interrupt as if Ctrl-C had been pressed.
void set_interrupt_requested(bool requested);

}  // namespace hone
