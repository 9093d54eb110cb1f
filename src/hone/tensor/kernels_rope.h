// Rotary position embeddings: the configuration (layout, theta, Hugging Face's "linear" and
// "llama3" frequency scaling), a cos/sin table a model builds once, and the rotation kernel on
// [B, T, H, Dh] arrays. The backward of a rotation is the same kernel rotating the other way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hone {

// Which elements of a head form a rotated pair. RotateHalf is Hugging Face's layout (pairs
// (i, i + Dh/2)); Interleaved is the original Meta / GGUF / llama.cpp layout (pairs (2i, 2i+1)).
enum class RopeLayout { RotateHalf, Interleaved };

// Hugging Face's rope_scaling rope_type: "default" (none), "linear" (positions / factor) or
// "llama3" (per-frequency smoothing between unscaled and factor-scaled wavelengths).
enum class RopeScalingType { None, Linear, Llama3 };

// Parses rope_type as written in config.json ("default", "linear", "llama3"); Error otherwise.
RopeScalingType rope_scaling_type_from_name(const std::string& name);
const char* rope_scaling_type_name(RopeScalingType type);

struct RopeScaling {
  RopeScalingType type = RopeScalingType::None;
  double factor = 1.0;
  double low_freq_factor = 1.0;                      // llama3 only
  double high_freq_factor = 4.0;                     // llama3 only
  int64_t original_max_position_embeddings = 8192;  // llama3 only
};

struct RopeConfig {
  int64_t head_dim = 0;  // even
  double theta = 10000.0;
  RopeLayout layout = RopeLayout::RotateHalf;
  RopeScaling scaling;
};

// inv_freq[i] for i < head_dim / 2, computed in f32 step by step as transformers'
// _compute_default_rope_parameters / _compute_linear_scaling_rope_parameters /
// _compute_llama3_parameters do, so angles agree with Hugging Face bit for bit where f32 allows.
std::vector<float> rope_inv_freq(const RopeConfig& config);

// cos and sin of pos * inv_freq[i] for positions [0, max_positions). Angles are formed in f32 as
// Hugging Face forms them; cos/sin are kept in double so f64 gradient checks see exact values.
// Immutable once built, so one table can be shared by every layer and thread.
class RopeTable {
 public:
  RopeTable(const RopeConfig& config, int64_t max_positions);
  static std::shared_ptr<const RopeTable> create(const RopeConfig& config, int64_t max_positions) {
    return std::make_shared<const RopeTable>(config, max_positions);
  }

  const RopeConfig& config() const { return config_; }
  int64_t max_positions() const { return max_positions_; }
  int64_t half_dim() const { return config_.head_dim / 2; }
  const double* cos_row(int64_t position) const { return cos_.data() + position * half_dim(); }
  const double* sin_row(int64_t position) const { return sin_.data() + position * half_dim(); }

 private:
  RopeConfig config_;
  int64_t max_positions_;
  std::vector<double> cos_, sin_;  // [max_positions, head_dim / 2]
};

namespace kernels {

// out = x rotated by the table's angles; x and out are [batch, seq, heads, head_dim]. positions
// holds [seq] values shared by the batch, or [batch, seq] when positions_per_row (packed
// sequences restart per example). All positions must be < table.max_positions() (checked by the
// caller). inverse rotates by -angle: the backward pass.
template <class T>
void rope(const T* x, T* out, const int32_t* positions, bool positions_per_row, int64_t batch, int64_t seq,
          int64_t heads, const RopeTable& table, bool inverse);

}  // namespace kernels
}  // namespace hone
