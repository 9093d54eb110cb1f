#include "hone/train/optimizer_shards.h"

#include <cstring>
#include <map>

#include "hone/util/error.h"

namespace hone {

std::vector<int> shard_owners(const std::vector<Tensor>& tensors, int ranks) {
  HONE_CHECK(ranks >= 1, "optimizer shards: ", ranks, " ranks");
  std::vector<int64_t> load(size_t(ranks), 0);
  std::vector<int> owners;
  for (const Tensor& t : tensors) {
    int best = 0;
    for (int r = 1; r < ranks; ++r)
      if (load[size_t(r)] < load[size_t(best)]) best = r;
    load[size_t(best)] += t.numel();
    owners.push_back(best);
  }
  return owners;
}

std::string serialize_optimizer_state(const OptimizerState& state) {
  nlohmann::json header = {{"scalars", state.scalars}, {"tensors", nlohmann::json::array()}};
  for (const auto& [name, t] : state.tensors) {
    HONE_CHECK(t.dtype() == DType::F32, "optimizer shards: state tensor '", name, "' is not f32");
    header["tensors"].push_back({{"name", name}, {"shape", std::vector<int64_t>(t.shape().begin(), t.shape().end())}});
  }
  const std::string text = header.dump();
  const uint64_t length = text.size();
  std::string bytes(reinterpret_cast<const char*>(&length), sizeof length);
  bytes += text;
  for (const auto& [name, t] : state.tensors)
    bytes.append(static_cast<const char*>(t.raw()), size_t(t.numel()) * sizeof(float));
  return bytes;
}

OptimizerState deserialize_optimizer_state(const std::string& bytes) {
  uint64_t length = 0;
  HONE_CHECK(bytes.size() >= sizeof length, "optimizer shards: a truncated state");
  std::memcpy(&length, bytes.data(), sizeof length);
  HONE_CHECK(bytes.size() >= sizeof length + length, "optimizer shards: a truncated state header");
  const nlohmann::json header = nlohmann::json::parse(bytes.substr(sizeof length, length));
  OptimizerState state;
  state.scalars = header.at("scalars");
  size_t at = sizeof length + length;
  for (const auto& entry : header.at("tensors")) {
    const auto dims = entry.at("shape").get<std::vector<int64_t>>();
    const Shape shape(dims.begin(), dims.end());
    Tensor t = Tensor::empty(shape);
    const size_t n = size_t(t.numel()) * sizeof(float);
    HONE_CHECK(at + n <= bytes.size(), "optimizer shards: state tensor '", entry.at("name").get<std::string>(), "' is truncated");
    std::memcpy(t.raw(), bytes.data() + at, n);
    at += n;
    state.tensors.emplace_back(entry.at("name").get<std::string>(), t);
  }
  return state;
}

OptimizerState merge_optimizer_states(const std::vector<OptimizerState>& per_rank, const std::vector<Tensor>& params,
                                      const std::vector<int>& owners) {
  HONE_CHECK(!per_rank.empty() && params.size() == owners.size(), "optimizer shards: nothing to merge");
  std::map<std::string, int> owner;
  for (size_t i = 0; i < params.size(); ++i) owner[params[i].name()] = owners[i];
  // The rank a state entry of `parameter` comes from.
  auto source = [&](const std::string& parameter) {
    const auto it = owner.find(parameter);
    return it == owner.end() ? 0 : it->second;
  };
  OptimizerState merged;
  merged.scalars = per_rank[0].scalars;
  for (auto& [key, value] : merged.scalars.items()) {
    if (!value.is_object()) continue;
    nlohmann::json kept = nlohmann::json::object();
    for (size_t r = 0; r < per_rank.size(); ++r) {
      const nlohmann::json& theirs = per_rank[r].scalars.value(key, nlohmann::json::object());
      for (const auto& [name, v] : theirs.items())
        if (source(name) == int(r)) kept[name] = v;
    }
    value = kept;
  }
  for (size_t r = 0; r < per_rank.size(); ++r)
    for (const auto& [name, t] : per_rank[r].tensors) {
      const auto dot = name.rfind('.');
      if (source(dot == std::string::npos ? name : name.substr(0, dot)) == int(r)) merged.tensors.emplace_back(name, t);
    }
  return merged;
}

}  // namespace hone
