#include "hone/util/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hone/util/error.h"

namespace hone {

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      HONE_CHECK(out, "cannot open ", tmp, " for writing: ", std::strerror(errno));
      write(out);
      out.flush();
      HONE_CHECK(out, "write failed: ", std::strerror(errno));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    HONE_CHECK(!ec, "cannot rename ", tmp, " to ", path, ": ", ec.message());
  } catch (const Error& e) {
    std::remove(tmp.c_str());
    throw Error(path + ": " + e.what());
  }
}

void write_file_atomically(const std::string& path, const void* data, size_t size) {
  write_file_atomically(path, [&](std::ostream& out) { out.write(static_cast<const char*>(data), std::streamsize(size)); });
}

void write_directory_atomically(const std::string& dir, const std::function<void(const std::string&)>& write) {
  namespace fs = std::filesystem;
  const fs::path target = fs::path(dir).lexically_normal();
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string name = target.filename().string();
  const fs::path tmp = parent / (name + ".tmp-" + std::to_string(::getpid()));
  const fs::path old = parent / (name + ".old-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(parent, ec);
  fs::remove_all(tmp, ec);
  HONE_CHECK(fs::create_directory(tmp, ec), dir, ": cannot create ", tmp.string(), ": ", ec.message());
  try {
    write(tmp.string());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  const bool existed = fs::exists(target);
  if (existed) {
    fs::rename(target, old, ec);
    HONE_CHECK(!ec, dir, ": cannot move the previous version aside: ", ec.message());
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    if (existed) fs::rename(old, target);
    fs::remove_all(tmp);
    HONE_FAIL(dir, ": cannot rename ", tmp.string(), " into place: ", ec.message());
  }
  if (existed) fs::remove_all(old, ec);
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  // An ifstream opens a directory and reads nothing: the reader would then report empty text.
  HONE_CHECK(!std::filesystem::is_directory(path, ec), path, ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  HONE_CHECK(in, path, ": cannot open: ", std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace hone
