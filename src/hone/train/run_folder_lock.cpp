#include "hone/train/run_folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "hone/util/error.h"

namespace hone {

RunFolderLock::RunFolderLock(const std::string& root) {
  const std::string path = root + "/" + file_name();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  HONE_CHECK(fd_ >= 0, path, ": cannot open the run folder's lock file: ", std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char buffer[32] = {};
    const ssize_t n = ::pread(fd_, buffer, sizeof buffer - 1, 0);
    ::close(fd_);
    fd_ = -1;
    HONE_CHECK(error == EWOULDBLOCK, path, ": cannot lock the run folder: ", std::strerror(error));
    const std::string holder = n > 0 ? std::string(buffer, size_t(n)) : std::string("?");
    HONE_FAIL(root, ": in use by process ", holder.substr(0, holder.find_first_of("\n ")),
              " (another hone train holds it); wait for that run to end or choose another --out");
  }
  // The holder's pid, for the message above; written after the lock is ours.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

RunFolderLock::~RunFolderLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

}  // namespace hone
