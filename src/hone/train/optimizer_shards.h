// ZeRO-1 (`distributed.shard_optimizer: true`): each trainable tensor belongs to one rank, which
// alone keeps its optimizer state and computes its update; the updated values then travel from
// their owner to every rank. A checkpoint holds the full state, merged from every rank's share,
// so a run resumes on any number of ranks (or one process).
#pragma once

#include <string>
#include <vector>

#include "hone/optim/optimizer.h"

namespace hone {

// The rank that owns each of `tensors`: each in turn goes to the rank with the fewest elements so
// far (the lowest such rank on a tie), so the ranks' shares of the state are balanced and every
// rank computes the same assignment.
std::vector<int> shard_owners(const std::vector<Tensor>& tensors, int ranks);

// An optimizer state as bytes (a JSON header: scalars, names, shapes; then the f32 values), to
// send to another rank.
std::string serialize_optimizer_state(const OptimizerState& state);
OptimizerState deserialize_optimizer_state(const std::string& bytes);

// The full state from each rank's own: a state tensor named "<parameter>.<suffix>" and a scalar
// object's entry keyed by a parameter's name come from the parameter's owner; everything else from
// rank 0 (the same on every rank). `params[i]` is owned by `owners[i]`.
OptimizerState merge_optimizer_states(const std::vector<OptimizerState>& per_rank, const std::vector<Tensor>& params,
                                      const std::vector<int>& owners);

}  // namespace hone
