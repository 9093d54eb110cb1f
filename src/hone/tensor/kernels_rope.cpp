#include "hone/tensor/kernels_rope.h"

#include <cmath>
#include <numbers>

#include "hone/util/error.h"

namespace hone {

RopeScalingType rope_scaling_type_from_name(const std::string& name) {
  if (name == "default" || name.empty()) return RopeScalingType::None;
  if (name == "linear") return RopeScalingType::Linear;
  if (name == "llama3") return RopeScalingType::Llama3;
  HONE_FAIL("rope_scaling: unsupported rope_type '", name, "' (expected one of: default, linear, llama3)");
}

const char* rope_scaling_type_name(RopeScalingType type) {
  switch (type) {
    case RopeScalingType::None: return "default";
    case RopeScalingType::Linear: return "linear";
    case RopeScalingType::Llama3: return "llama3";
  }
  return "?";
}

namespace {
void check_config(const RopeConfig& c) {
  HONE_CHECK(c.head_dim > 0 && c.head_dim % 2 == 0, "rope: head_dim must be a positive even number, got ",
             c.head_dim);
  HONE_CHECK(c.theta > 0, "rope: theta (rope_theta) must be > 0, got ", c.theta);
  const RopeScaling& s = c.scaling;
  if (s.type == RopeScalingType::None) return;
  HONE_CHECK(s.factor > 0, "rope_scaling (", rope_scaling_type_name(s.type), "): factor must be > 0, got ", s.factor);
  if (s.type != RopeScalingType::Llama3) return;
  HONE_CHECK(s.low_freq_factor > 0 && s.high_freq_factor > s.low_freq_factor,
             "rope_scaling (llama3): need 0 < low_freq_factor < high_freq_factor, got low_freq_factor ",
             s.low_freq_factor, " and high_freq_factor ", s.high_freq_factor);
  HONE_CHECK(s.original_max_position_embeddings > 0,
             "rope_scaling (llama3): original_max_position_embeddings must be > 0, got ",
             s.original_max_position_embeddings);
}
}  // namespace

std::vector<float> rope_inv_freq(const RopeConfig& config) {
  check_config(config);
  const int64_t half = config.head_dim / 2;
  const RopeScaling& s = config.scaling;
  std::vector<float> inv(static_cast<size_t>(half));
  // Every step below is an f32 operation in transformers (python scalars are cast to f32), so
  // it is repeated here in float rather than computed more precisely in double.
  for (int64_t i = 0; i < half; ++i) {
    const float exponent = float(2 * i) / float(config.head_dim);
    inv[size_t(i)] = 1.0f / std::pow(float(config.theta), exponent);
  }
  if (s.type == RopeScalingType::Linear) {
    for (float& f : inv) f /= float(s.factor);
  } else if (s.type == RopeScalingType::Llama3) {
    const float factor = float(s.factor);
    const float old_len = float(s.original_max_position_embeddings);
    const float low_freq_wavelen = float(double(s.original_max_position_embeddings) / s.low_freq_factor);
    const float high_freq_wavelen = float(double(s.original_max_position_embeddings) / s.high_freq_factor);
    const float smooth_span = float(s.high_freq_factor - s.low_freq_factor);
    for (float& f : inv) {
      const float wavelen = float(2 * std::numbers::pi) / f;
      const float scaled = wavelen > low_freq_wavelen ? f / factor : f;  // long wavelengths: divide
      const float smooth = (old_len / wavelen - float(s.low_freq_factor)) / smooth_span;
      const bool medium = !(wavelen < high_freq_wavelen) && !(wavelen > low_freq_wavelen);
      f = medium ? (1.0f - smooth) * scaled / factor + smooth * scaled : scaled;
    }
  }
  return inv;
}

RopeTable::RopeTable(const RopeConfig& config, int64_t max_positions) : config_(config), max_positions_(max_positions) {
  HONE_CHECK(max_positions > 0, "rope: the table needs max_positions > 0, got ", max_positions);
  const std::vector<float> inv = rope_inv_freq(config);
  const int64_t half = half_dim();
  cos_.resize(size_t(max_positions * half));
  sin_.resize(size_t(max_positions * half));
  for (int64_t p = 0; p < max_positions; ++p)
    for (int64_t i = 0; i < half; ++i) {
      const float angle = inv[size_t(i)] * float(p);  // f32 product, as Hugging Face's inv_freq @ positions
      cos_[size_t(p * half + i)] = std::cos(double(angle));
      sin_[size_t(p * half + i)] = std::sin(double(angle));
    }
}

namespace kernels {

template <class T>
void rope(const T* x, T* out, const int32_t* positions, bool positions_per_row, int64_t batch, int64_t seq,
          int64_t heads, const RopeTable& table, bool inverse) {
  const int64_t head_dim = table.config().head_dim, half = head_dim / 2;
  const bool interleaved = table.config().layout == RopeLayout::Interleaved;
  // Pair element i with partner i + half (rotate-half) or 2i with 2i + 1 (interleaved).
  const int64_t first_step = interleaved ? 2 : 1, partner_offset = interleaved ? 1 : half;
  const T sin_sign = inverse ? T(-1) : T(1);
  const int64_t rows = batch * seq;
#pragma omp parallel for schedule(static) if (rows * heads * head_dim >= (1 << 15))
  for (int64_t row = 0; row < rows; ++row) {
    const int32_t pos = positions[positions_per_row ? row : row % seq];
    const double* c = table.cos_row(pos);
    const double* s = table.sin_row(pos);
    for (int64_t h = 0; h < heads; ++h) {
      const T* xh = x + (row * heads + h) * head_dim;
      T* oh = out + (row * heads + h) * head_dim;
      for (int64_t i = 0; i < half; ++i) {
        const T ci = T(c[i]), si = sin_sign * T(s[i]);
        const int64_t a = i * first_step, b = a + partner_offset;
        const T x0 = xh[a], x1 = xh[b];
        oh[a] = x0 * ci - x1 * si;
        oh[b] = x1 * ci + x0 * si;
      }
    }
  }
}

template void rope<float>(const float*, float*, const int32_t*, bool, int64_t, int64_t, int64_t, const RopeTable&, bool);
template void rope<double>(const double*, double*, const int32_t*, bool, int64_t, int64_t, int64_t, const RopeTable&,
                           bool);

}  // namespace kernels
}  // namespace hone
