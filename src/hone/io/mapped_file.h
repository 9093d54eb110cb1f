// A read-only view of a whole file through mmap, shared by every tensor borrowed from it.
// Mapped copy-on-write: a stray write to a borrowed tensor changes only this process's page.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace hone {

class MappedFile {
 public:
  // Maps `path`; Error naming the path if it cannot be opened or mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return data_; }
  unsigned char* mutable_data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  unsigned char* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace hone
