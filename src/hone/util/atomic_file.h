// Writes that never leave a half-written output: data goes to "<path>.tmp-<pid>", is flushed,
// then renamed over the destination in one step.
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>

namespace hone {

// Calls write(stream) on a temporary file beside `path`, then renames it to `path`.
// On any failure the temporary is removed and an Error naming `path` is thrown.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Convenience for a whole buffer.
void write_file_atomically(const std::string& path, const void* data, size_t size);

// Fills a fresh temporary folder beside `dir` through write(tmp_dir), then puts it in place of
// `dir` in one rename (an existing `dir` is replaced only after the new one is complete).
void write_directory_atomically(const std::string& dir, const std::function<void(const std::string& tmp_dir)>& write);

// Reads a whole file into a string; Error naming the path if it cannot.
std::string read_file(const std::string& path);

}  // namespace hone
