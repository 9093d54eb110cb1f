// The message of the hone::Error a call throws ("" when it throws none), for tests that check
// what an error says.
#pragma once

#include <functional>
#include <string>

#include "hone/util/error.h"

namespace hone::testing {

inline std::string error_text(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace hone::testing
