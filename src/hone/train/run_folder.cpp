#include "hone/train/run_folder.h"

#include <filesystem>
#include <vector>

#include "hone/util/error.h"

namespace hone {

namespace fs = std::filesystem;

std::optional<int64_t> RunFolder::checkpoint_step(const std::string& dir) {
  const std::string name = fs::path(dir).filename().string();
  if (name.rfind("step-", 0) != 0 || name.size() == 5) return std::nullopt;
  for (size_t i = 5; i < name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return std::nullopt;
  return std::stoll(name.substr(5));
}

std::optional<std::string> RunFolder::newest_checkpoint() const {
  std::optional<std::string> best;
  int64_t best_step = -1;
  std::error_code ec;
  if (!fs::is_directory(checkpoints_dir(), ec)) return std::nullopt;
  for (const auto& entry : fs::directory_iterator(checkpoints_dir())) {
    if (!entry.is_directory()) continue;
    const auto step = checkpoint_step(entry.path().string());
    if (step && *step > best_step) {
      best_step = *step;
      best = entry.path().string();
    }
  }
  return best;
}

namespace {

// "name.tmp-123" or "name.old-123": what write_file_atomically / write_directory_atomically
// leave when a process dies mid-write. Returns the name without the suffix, or "".
std::string killed_write_target(const std::string& name) {
  for (const char* marker : {".tmp-", ".old-"}) {
    const auto at = name.rfind(marker);
    if (at == std::string::npos || at == 0 || at + 5 == name.size()) continue;
    if (name.find_first_not_of("0123456789", at + 5) == std::string::npos) return name.substr(0, at);
  }
  return "";
}

// Called with the folder locked, so no live process is writing any of these. A checkpoint moved
// aside (".old-PID") whose replacement never arrived is put back rather than removed.
void remove_killed_writes(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> leftovers;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (!killed_write_target(entry.path().filename().string()).empty()) leftovers.push_back(entry.path());
  for (const fs::path& p : leftovers) {
    const fs::path target = p.parent_path() / killed_write_target(p.filename().string());
    const std::string name = p.filename().string();
    if (name.rfind(".old-") != std::string::npos && !fs::exists(target, ec)) fs::rename(p, target, ec);
    else fs::remove_all(p, ec);
  }
}

}  // namespace

RunFolder prepare_run_folder(const std::string& root, bool overwrite, bool resume) {
  RunFolder run{root, nullptr};
  std::error_code ec;
  if (!resume) {
    fs::create_directories(root, ec);
    HONE_CHECK(!ec, root, ": cannot create the run folder: ", ec.message());
  }
  if (fs::is_directory(root, ec)) {
    run.lock = std::make_shared<const RunFolderLock>(root);
    remove_killed_writes(root);
    remove_killed_writes(run.checkpoints_dir());
  }
  const bool holds_run = fs::exists(run.config_path()) || fs::exists(run.metrics_path()) ||
                         fs::exists(run.checkpoints_dir());
  if (resume) {
    HONE_CHECK(run.newest_checkpoint(), root, ": nothing to resume (no checkpoints/step-N folder: the run stopped before ",
               "its first checkpoint); start it again without --resume (with --overwrite if the folder holds a run)");
    return run;
  }
  if (holds_run) {
    HONE_CHECK(overwrite, root, ": already holds a run (", fs::exists(run.config_path()) ? "config.yaml" : "checkpoints",
               "); pass --resume to continue it or --overwrite to replace it");
    for (const char* name : {"config.yaml", "metrics.jsonl", "checkpoints", "adapter", "model"}) fs::remove_all(fs::path(root) / name);
  }
  return run;
}

}  // namespace hone
