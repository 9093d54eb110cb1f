// Ctrl-C during training: the first SIGINT asks the trainer to finish its current step, write a
// checkpoint and stop (the command then exits with 130); a second one ends the process at once.
#pragma once

namespace hone {

// Installs the SIGINT handler (idempotent).
void install_interrupt_handler();
bool interrupt_requested();
// For tests: request (or clear) an interrupt as if Ctrl-C had been pressed.
void set_interrupt_requested(bool requested);

}  // namespace hone
