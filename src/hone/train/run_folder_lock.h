// One process at a time per run folder: an exclusive flock on <out>/.hone.lock, held for as long
// as the lock object lives. Two trainers on one folder would otherwise interleave metrics.jsonl
// and leave weights from one run beside the config of the other. The kernel drops the lock when
// the process ends in any way (kill -9 included), so there is no stale lock to clean up.
#pragma once

#include <string>

namespace hone {

class RunFolderLock {
 public:
  // Takes the lock on the existing folder `root`, or throws Error "<root>: in use by process N".
  explicit RunFolderLock(const std::string& root);
  ~RunFolderLock();
  RunFolderLock(const RunFolderLock&) = delete;
  RunFolderLock& operator=(const RunFolderLock&) = delete;

  static std::string file_name() { return ".hone.lock"; }

 private:
  int fd_ = -1;
};

}  // namespace hone
