#include "hone/train/run_precision.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "hone/util/error.h"

namespace hone {

namespace {
// The precision an earlier run recorded, or "" when its config.yaml has none (older runs).
std::string recorded_precision(const std::string& config_path) {
  if (!std::filesystem::exists(config_path)) return "";
  YAML::Node config;
  try {
    config = YAML::LoadFile(config_path);
  } catch (const YAML::Exception& e) {
    HONE_FAIL(config_path, ": cannot read the run's configuration: ", e.what());
  }
  const YAML::Node p = config["precision"];
  return p && p.IsScalar() ? p.as<std::string>() : "";
}
}  // namespace

Precision resolve_run_precision(const std::string& requested, const std::string& config_path, bool resume) {
  if (resume) {
    const std::string recorded = recorded_precision(config_path);
    if (!recorded.empty()) {
      const Precision kept = resolve_precision(recorded, config_path + ": key 'precision'");
      HONE_CHECK(requested == "auto" || resolve_precision(requested) == kept, "key 'precision': the run in ",
                 config_path, " was trained in ", recorded, "; resume it with precision ", recorded, " or auto");
      return kept;
    }
  }
  return resolve_precision(requested);
}

}  // namespace hone
