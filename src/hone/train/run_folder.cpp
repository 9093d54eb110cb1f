#include "hone/train/run_folder.h"

#include <filesystem>

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

RunFolder prepare_run_folder(const std::string& root, bool overwrite, bool resume) {
  RunFolder run{root};
  const bool holds_run = fs::exists(run.config_path()) || fs::exists(run.metrics_path()) ||
                         fs::exists(run.checkpoints_dir());
  if (resume) {
    HONE_CHECK(run.newest_checkpoint(), root, ": nothing to resume (no checkpoints/step-N folder); run without --resume");
    return run;
  }
  if (holds_run) {
    HONE_CHECK(overwrite, root, ": already holds a run (", fs::exists(run.config_path()) ? "config.yaml" : "checkpoints",
               "); pass --resume to continue it or --overwrite to replace it");
    for (const char* name : {"config.yaml", "metrics.jsonl", "checkpoints", "adapter", "model"}) fs::remove_all(fs::path(root) / name);
  }
  std::error_code ec;
  fs::create_directories(root, ec);
  HONE_CHECK(!ec, root, ": cannot create the run folder: ", ec.message());
  return run;
}

}  // namespace hone
