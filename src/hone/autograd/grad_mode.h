// Whether ops record the graph. Off inside no_grad scopes (evaluation, generation, the forward
// pass of a checkpointed block); per thread.
#pragma once

namespace hone {

bool grad_enabled();
void set_grad_enabled(bool enabled);

// RAII: sets grad mode for a scope and restores the previous mode at its end.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : previous_(grad_enabled()) { set_grad_enabled(enabled); }
  ~GradModeGuard() { set_grad_enabled(previous_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

// RAII: no graph is recorded inside this scope.
class NoGradGuard : public GradModeGuard {
 public:
  NoGradGuard() : GradModeGuard(false) {}
};

}  // namespace hone
