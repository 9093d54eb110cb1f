// The run folder's layout and the rules for reusing one: a folder that holds another run is
// never written into unless asked (--overwrite replaces it, --resume continues it).
//   <out>/config.yaml          the fully resolved recipe
//   <out>/metrics.jsonl        one JSON object per logged step or evaluation
//   <out>/checkpoints/step-N/  trainable weights, optimizer state, trainer state
//   <out>/adapter/ | model/    the final PEFT adapter (LoRA) or HF model folder (full)
//   <out>/.hone.lock           flock'ed by the process using the folder (run_folder_lock.h)
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hone/train/run_folder_lock.h"

namespace hone {

struct RunFolder {
  std::string root;
  std::shared_ptr<const RunFolderLock> lock;  // held while any copy of this RunFolder lives
  std::string config_path() const { return root + "/config.yaml"; }
  std::string metrics_path() const { return root + "/metrics.jsonl"; }
  std::string checkpoints_dir() const { return root + "/checkpoints"; }
  std::string checkpoint_dir(int64_t step) const { return checkpoints_dir() + "/step-" + std::to_string(step); }
  // The checkpoint with the highest step, if any.
  std::optional<std::string> newest_checkpoint() const;
  static std::optional<int64_t> checkpoint_step(const std::string& dir);  // from "step-N"
};

// Prepares `root` for a run. First it takes the folder's lock (Error "in use by process N" if
// another process holds it) and removes what killed writes left behind (step-N.tmp-PID folders,
// *.tmp-PID files). Fresh run: the folder must not hold another run (config.yaml,
// metrics.jsonl or checkpoints/) unless overwrite, which clears it. Resume: the folder must
// hold a checkpoint. Errors say which flag to use.
RunFolder prepare_run_folder(const std::string& root, bool overwrite, bool resume);

}  // namespace hone
