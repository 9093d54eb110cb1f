// Frozen projection weights kept in a narrower dtype: under `precision: bf16` a LoRA run's base
// weights are only ever read as bf16 by the products, so storing them in bf16 halves their
// memory and the bytes each product reads (PyTorch users do the same with autocast).
#pragma once

#include <cstdint>

#include "hone/model/decoder_model.h"

namespace hone {

// Converts every frozen (no gradient) f32 projection weight of the decoder layers ("*_proj.weight")
// to `dtype`; weights already narrower, trainable ones, embeddings, the head and norms stay as they
// are. Returns how many were converted.
int64_t store_frozen_projections(DecoderModel& model, DType dtype);

}  // namespace hone
