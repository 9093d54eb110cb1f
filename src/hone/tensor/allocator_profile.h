// A debugging aid for memory work, off unless HONE_TENSOR_PROFILE is set in the environment:
// the allocator reports each tensor allocation and free here, and at exit the process prints to
// stderr the tensors that were live at the peak of live bytes, grouped by the call stack that
// allocated them (as module offsets; scripts/tensor_profile.py turns them into function names).
// Answers "which saved activations make up the peak?" without guessing.
#pragma once

#include <cstddef>

namespace hone::detail {

bool tensor_profile_enabled();
void profile_tensor_allocated(void* ptr, size_t bytes);
void profile_tensor_freed(void* ptr);

}  // namespace hone::detail
