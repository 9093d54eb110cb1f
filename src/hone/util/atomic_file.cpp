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

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HONE_CHECK(in, path, ": cannot open: ", std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace hone
