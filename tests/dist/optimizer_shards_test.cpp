// ZeRO-1's pieces without MPI: the owner assignment is balanced and the same for every rank; a
// state survives serialisation; merging ranks' states takes each parameter's entries from its owner.
#include "hone/train/optimizer_shards.h"

#include <gtest/gtest.h>

namespace hone {
namespace {

Tensor named(const std::string& name, int64_t n, float value) {
  Tensor t = Tensor::full({n}, value);
  t.set_name(name);
  return t;
}

TEST(OptimizerShards, OwnersBalanceTheElements) {
  const std::vector<Tensor> ts = {named("a", 100, 0), named("b", 10, 0), named("c", 10, 0), named("d", 100, 0)};
  EXPECT_EQ(shard_owners(ts, 2), (std::vector<int>{0, 1, 1, 1}));
  EXPECT_EQ(shard_owners(ts, 1), (std::vector<int>{0, 0, 0, 0}));
  EXPECT_EQ(shard_owners(ts, 5), (std::vector<int>{0, 1, 2, 3}));  // rank 4 owns nothing
}

TEST(OptimizerShards, MergeTakesEachParametersEntriesFromItsOwner) {
  const std::vector<Tensor> params = {named("p.x", 2, 0), named("q", 3, 0)};
  const std::vector<int> owners = {1, 0};
  // Rank 0 holds a stale entry for p.x (as after resuming a full state); rank 1 the live one.
  OptimizerState r0, r1;
  r0.scalars = {{"type", "adamw"}, {"steps", 7}, {"param_steps", {{"p.x", 1}, {"q", 7}}}};
  r0.tensors = {{"p.x.exp_avg", Tensor::full({2}, 1.0f)}, {"q.exp_avg", Tensor::full({3}, 2.0f)}};
  r1.scalars = {{"type", "adamw"}, {"steps", 7}, {"param_steps", {{"p.x", 7}}}};
  r1.tensors = {{"p.x.exp_avg", Tensor::full({2}, 3.0f)}};
  const OptimizerState m =
      merge_optimizer_states({r0, deserialize_optimizer_state(serialize_optimizer_state(r1))}, params, owners);
  EXPECT_EQ(m.scalars["steps"], 7);
  EXPECT_EQ(m.scalars["param_steps"], (nlohmann::json{{"p.x", 7}, {"q", 7}}));
  ASSERT_EQ(m.tensors.size(), 2u);
  for (const auto& [name, t] : m.tensors) {
    if (name == "p.x.exp_avg") EXPECT_EQ(t.to_doubles(), (std::vector<double>{3, 3}));
    else EXPECT_EQ(t.to_doubles(), (std::vector<double>{2, 2, 2}));
  }
}

}  // namespace
}  // namespace hone
