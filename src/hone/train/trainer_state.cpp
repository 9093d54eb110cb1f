#include "hone/train/trainer_state.h"

#include "hone/util/error.h"
#include "hone/util/json_text.h"

namespace hone {

namespace {

const nlohmann::json& member(const nlohmann::json& state, const std::string& path, const char* key) {
  const auto it = state.find(key);
  HONE_CHECK(it != state.end(), path, ": key '", key, "' is missing");
  return *it;
}

int64_t non_negative(const nlohmann::json& state, const std::string& path, const char* key) {
  const nlohmann::json& v = member(state, path, key);
  HONE_CHECK(v.is_number_integer(), path, ": key '", key, "' must be an integer, got ", v.dump());
  HONE_CHECK(v.is_number_unsigned() || v.get<int64_t>() >= 0, path, ": key '", key, "' must be >= 0, got ", v.dump());
  HONE_CHECK(!v.is_number_unsigned() || v.get<uint64_t>() <= uint64_t(INT64_MAX), path, ": key '", key,
             "' is out of range: ", v.dump());
  return v.get<int64_t>();
}

const nlohmann::json& object(const nlohmann::json& state, const std::string& path, const char* key) {
  const nlohmann::json& v = member(state, path, key);
  HONE_CHECK(v.is_object(), path, ": key '", key, "' must be a JSON object, got ", v.type_name());
  return v;
}

}  // namespace

TrainerState read_trainer_state(const std::string& path) {
  const nlohmann::json state = read_json_file(path);
  HONE_CHECK(state.is_object(), path, ": expected a JSON object, got ", state.type_name());
  TrainerState s;
  s.step = non_negative(state, path, "step");
  s.micro_step = uint64_t(non_negative(state, path, "micro_step"));
  const nlohmann::json& method = member(state, path, "method");
  HONE_CHECK(method.is_string(), path, ": key 'method' must be a string, got ", method.dump());
  s.method = method.get<std::string>();
  s.data_position = object(state, path, "data_position");
  s.optimizer = object(state, path, "optimizer");
  if (state.contains("epoch_boundaries")) s.epoch_boundaries = object(state, path, "epoch_boundaries");
  return s;
}

void restore_optimizer_state(Optimizer& optimizer, const OptimizerState& state, const std::string& source) {
  const nlohmann::json& scalars = state.scalars;
  auto check_count = [&](const std::string& key, const nlohmann::json& v) {
    HONE_CHECK(v.is_number_integer() && (v.is_number_unsigned() || v.get<int64_t>() >= 0) &&
                   (!v.is_number_unsigned() || v.get<uint64_t>() <= uint64_t(INT64_MAX)),
               source, ": key '", key, "' must be a step count (an integer >= 0), got ", v.dump());
  };
  HONE_CHECK(scalars.is_object(), source, ": key 'optimizer' must be a JSON object");
  if (scalars.contains("steps")) check_count("optimizer.steps", scalars["steps"]);
  if (scalars.contains("param_steps")) {
    HONE_CHECK(scalars["param_steps"].is_object(), source, ": key 'optimizer.param_steps' must be a JSON object");
    for (const auto& [name, v] : scalars["param_steps"].items()) check_count("optimizer.param_steps." + name, v);
  }
  try {
    optimizer.load_state(state);
  } catch (const nlohmann::json::exception& e) {
    fail_json_key(source, "optimizer", e.what());
  }
}

}  // namespace hone
