// hone::Error — the one exception type for bad input and broken invariants.
// Messages name the file, line, key or tensor at fault and what was expected, so a user can act
// on them without a debugger. HONE_CHECK builds the message only when the check fails.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace hone {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Concatenates any streamable values into one string: cat("tensor ", name, " has ", n, " dims").
template <class... Parts>
std::string cat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

// Runs fn and, if it throws hone::Error, rethrows with `context: ` in front of the message.
// Used to add the file name (or tensor, or line) at the layer that knows it.
template <class Fn>
auto with_context(const std::string& context, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error& e) {
    throw Error(context + ": " + e.what());
  }
}

}  // namespace hone

#define HONE_CHECK(cond, ...)                              \
  do {                                                     \
    if (!(cond)) throw ::hone::Error(::hone::cat(__VA_ARGS__)); \
  } while (0)

#define HONE_FAIL(...) throw ::hone::Error(::hone::cat(__VA_ARGS__))
