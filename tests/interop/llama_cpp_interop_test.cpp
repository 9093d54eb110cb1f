// hone's GGUF exports against llama.cpp itself (the prebuilt CPU build of the npm package
// node-llama-cpp, see llama_cpp_reference.h): llama.cpp loads what `hone export` writes — models
// in f32, f16, bf16 and q8_0, and LoRA adapters — and computes what hone computes from the same
// files: the full next-token distribution after a prompt and the greedy continuation.
//
// Bounds (max |log p_hone - log p_llama.cpp| over the whole vocabulary at the last prompt
// position, log-softmax in f64 of each side's f32 logits):
// - f32 models and f32 LoRA adapters: kF32Bound. Both sides compute in f32 (llama.cpp with an f32
//   KV cache, no flash attention); what remains is summation order.
// - f16 / bf16 / q8_0 models: hone widens the stored weights to f32 and computes in f32, while
//   llama.cpp's CPU matmul rounds the activations to the weight's "vec_dot_type" (f16, bf16, and
//   q8_0 blocks of 32) before every product. The test separates the two effects: (1) llama.cpp
//   on an f32 copy of the weights as hone read them (hone loads the quantized GGUF, writes it back
//   as f32) must agree with hone within kF32Bound — so both read the stored weights identically;
//   (2) llama.cpp on the quantized file itself must agree within that dtype's bound, which only
//   llama.cpp's activation rounding accounts for (f16 2^-11, bf16 2^-8, q8_0 ~1/254 of each
//   32-block's largest value, relative).
// - f16 LoRA adapters: kF16Bound (llama.cpp also rounds the input of the LoRA products to f16).
// Greedy tokens must be equal at every step hone generated (it stops at end-of-text), up to the
// first step where llama.cpp's top two logits lie within twice the dtype's logit bound (a true
// near-tie: either engine may pick either token); such a step is reported.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hone/autograd/grad_mode.h"
#include "hone/eval/generate.h"
#include "hone/model/gguf_model.h"
#include "hone/model/gguf_tokenizer_metadata.h"
#include "hone/model/load_model.h"
#include "hone/peft/lora/model.h"
#include "hone/tokenizer/byte_level_alphabet.h"
#include "hone/tokenizer/tokenizer.h"
#include "interop/llama_cpp_reference.h"
#include "support/hone_cli.h"

namespace hone {
namespace {

namespace fs = std::filesystem;
using testing::LlamaCppJob;
using testing::LlamaCppResult;

// Measured on the development machine (node-llama-cpp 3.22.1, libggml-cpu-zen4): f32 ≤ 4.9e-6,
// f16 ≤ 1.2e-3, bf16 ≤ 8.6e-3, q8_0 ≤ 2.2e-2, f16 LoRA ≤ 4.1e-4 (each test prints its numbers).
constexpr double kF32Bound = 5e-5;
constexpr double kF16Bound = 4e-3;
constexpr double kBf16Bound = 3e-2;
constexpr double kQ8Bound = 5e-2;
constexpr int kGreedyTokens = 16;

class Scratch {
 public:
  Scratch() : path_(fs::temp_directory_path() / ("hone_llama_cpp_interop_" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Scratch() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

std::string quoted(const std::string& text) {
  std::string out = "'";
  out.append(text).append("'");
  return out;
}

std::string ids_csv(const std::vector<int32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out.append(i ? "," : "").append(std::to_string(ids[i]));
  return out;
}

// Runs a hone verb that must succeed; throws with its output otherwise.
std::string hone_ok(const std::string& arguments) {
  const testing::CliResult r = testing::run_hone(arguments, false);
  if (r.exit_code != 0) HONE_FAIL("hone ", arguments, " failed:\n", testing::run_hone(arguments).output);
  return r.output;
}

void export_model(const std::string& folder, const std::string& dtype, const std::string& out) {
  hone_ok("export --model " + quoted(folder) + " --format gguf --dtype " + dtype + " --out " + quoted(out));
}

// The next-token logits hone computes at the last prompt position, from the file llama.cpp reads
// (and, when `adapter` names a PEFT folder, with that adapter attached).
std::vector<double> hone_logits(const std::string& gguf, const std::string& adapter, const std::vector<int32_t>& prompt) {
  auto model = load_model(gguf);
  std::optional<LoraModel> lora;
  if (!adapter.empty()) lora.emplace(LoraModel::load(*model, adapter));
  NoGradGuard no_grad;
  const Tensor ids = Tensor::from_ints({1, int64_t(prompt.size())}, prompt);
  return last_position_logits(*model, model->hidden_states(ids)).to_doubles();
}

// `hone generate --json` greedy ids (it stops at an end-of-text id, which it includes).
std::vector<int32_t> hone_greedy(const std::string& gguf, const std::string& adapter, const std::vector<int32_t>& prompt) {
  std::string args = "generate --model " + quoted(gguf);
  if (!adapter.empty()) args.append(" --adapter ").append(quoted(adapter));
  args.append(" --prompt-ids ").append(ids_csv(prompt)).append(" --max-new-tokens ").append(std::to_string(kGreedyTokens));
  args.append(" --temperature 0 --threads 2 --json");
  return nlohmann::json::parse(hone_ok(args)).at("ids").get<std::vector<int32_t>>();
}

std::vector<double> log_softmax(const std::vector<double>& logits) {
  const double max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (double v : logits) sum += std::exp(v - max);
  const double lse = max + std::log(sum);
  std::vector<double> out;
  for (double v : logits) out.push_back(v - lse);
  return out;
}

// max over the vocabulary of |log p_a - log p_b|.
double logprob_gap(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  if (a.size() != b.size()) return INFINITY;
  const auto la = log_softmax(a), lb = log_softmax(b);
  double worst = 0;
  for (size_t i = 0; i < la.size(); ++i) worst = std::max(worst, std::abs(la[i] - lb[i]));
  return worst;
}

// hone's greedy ids equal llama.cpp's at every step hone generated, up to the first near-tie in
// llama.cpp's logits (top two within 2 x bound).
void expect_same_greedy(const std::vector<int32_t>& hone_ids, const LlamaCppResult& llama, double bound,
                        const std::string& label) {
  ASSERT_FALSE(hone_ids.empty()) << label;
  ASSERT_LE(hone_ids.size(), llama.greedy.size()) << label;
  size_t compared = 0;
  for (; compared < hone_ids.size(); ++compared) {
    EXPECT_EQ(hone_ids[compared], llama.greedy[compared])
        << label << ": greedy token " << compared << " differs (llama.cpp's lead over its runner-up there: "
        << llama.greedy_margins[compared] << ")";
    if (llama.greedy_margins[compared] < 2 * bound && compared + 1 < hone_ids.size()) {
      std::cout << "[ " << label << " ] greedy step " << compared << " is a near-tie (lead "
                << llama.greedy_margins[compared] << "): later steps not compared\n";
      ++compared;
      break;
    }
  }
  std::cout << "[ " << label << " ] greedy tokens equal over " << compared << " steps\n";
}

// GPT-2 byte-level BPE vocabulary of the first `vocab` byte symbols and no merges: enough for
// `hone export` to write tokenizer metadata llama.cpp accepts for the tests/data models, which
// ship without a tokenizer (their vocabulary is 96 and the tests feed token ids).
void write_byte_tokenizer(const std::string& folder, int vocab) {
  nlohmann::ordered_json tokens = nlohmann::ordered_json::object();
  for (int b = 0; b < vocab; ++b) {
    std::string symbol;
    byte_level::append_mapped(symbol, std::string(1, char(b)));
    tokens[symbol] = b;
  }
  const nlohmann::ordered_json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", nlohmann::json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
                 {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
                 {"ignore_merges", false}, {"vocab", tokens}, {"merges", nlohmann::json::array()}}}};
  std::ofstream(folder + "/tokenizer.json") << tokenizer.dump(1);
}

// A model folder to export and the prompt to evaluate.
struct Subject {
  std::string name;
  std::string folder;
  std::vector<int32_t> prompt;
};

// models/demo (trained: llama, tied embeddings, 8 heads / 4 KV heads, its own byte-level BPE)
// prompted with a real sentence.
Subject demo_subject() {
  const std::string folder = std::string(HONE_SOURCE_DIR) + "/models/demo";
  return {"demo", folder, Tokenizer::load(folder).encode("Define: headmaster\n")};
}

// A tests/data/models folder copied beside a byte tokenizer.
Subject tiny_subject(const Scratch& scratch, const std::string& name) {
  const std::string folder = scratch / name;
  fs::create_directories(folder);
  for (const char* file : {"config.json", "model.safetensors"})
    fs::copy_file(std::string(HONE_TEST_DATA_DIR) + "/models/" + name + "/" + file, folder + "/" + file);
  write_byte_tokenizer(folder, 96);
  return {name, folder, {5, 17, 33, 60, 71, 3, 44, 12, 90, 21}};
}

void print_build_once(const LlamaCppResult& r) {
  static bool printed = false;
  if (printed) return;
  printed = true;
  std::cout << "[ llama.cpp ] " << r.build.dump() << "\n";
}

// Every architecture variant the exporter writes differently: llama with tied embeddings (demo),
// untied GQA (llama_gqa), attention biases + head_dim != hidden/heads + linear RoPE scaling
// (llama_bias_linear_headdim), Mistral written as llama (mistral), rotate-half RoPE + q/k/v biases
// (qwen2).
TEST(LlamaCpp, F32ExportsComputeWhatHoneComputes) {
  if (const std::string why = testing::llama_cpp_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  Scratch scratch;
  std::vector<Subject> subjects{demo_subject()};
  for (const char* name : {"llama_gqa", "llama_bias_linear_headdim", "mistral", "qwen2"})
    subjects.push_back(tiny_subject(scratch, name));
  std::vector<LlamaCppJob> jobs;
  for (const Subject& s : subjects) {
    const std::string gguf = scratch / (s.name + "-f32.gguf");
    export_model(s.folder, "f32", gguf);
    jobs.push_back({gguf, s.prompt, {}, kGreedyTokens});
  }
  const auto llama = testing::run_llama_cpp(jobs, scratch.str());
  print_build_once(llama[0]);
  for (size_t i = 0; i < subjects.size(); ++i) {
    const std::string label = subjects[i].name + " f32";
    const double gap = logprob_gap(hone_logits(jobs[i].model, "", jobs[i].tokens), llama[i].logits);
    std::cout << "[ " << label << " ] max |log p hone - log p llama.cpp| = " << gap << "\n";
    EXPECT_LE(gap, kF32Bound) << label;
    expect_same_greedy(hone_greedy(jobs[i].model, "", jobs[i].tokens), llama[i], kF32Bound, label);
  }
}

TEST(LlamaCpp, HalfAndQ8ExportsReadAsLlamaCppReadsThem) {
  if (const std::string why = testing::llama_cpp_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  Scratch scratch;
  const Subject demo = demo_subject();
  const std::map<std::string, double> bounds{{"f16", kF16Bound}, {"bf16", kBf16Bound}, {"q8_0", kQ8Bound}};
  std::vector<LlamaCppJob> jobs;
  for (const auto& [dtype, bound] : bounds) {
    const std::string gguf = scratch / ("demo-" + dtype + ".gguf");
    export_model(demo.folder, dtype, gguf);
    // The weights as hone read them, written back as f32 (with the same tokenizer metadata).
    auto widened = load_model(gguf);
    GgufExportOptions twin;
    twin.name = "demo";
    add_gguf_tokenizer_metadata(twin.extra, demo.folder, widened->config().vocab_size);
    save_gguf_model(*widened, scratch / ("demo-" + dtype + "-as-f32.gguf"), twin);
    jobs.push_back({gguf, demo.prompt, {}, kGreedyTokens});
    jobs.push_back({scratch / ("demo-" + dtype + "-as-f32.gguf"), demo.prompt, {}, 0});
  }
  const auto llama = testing::run_llama_cpp(jobs, scratch.str());
  print_build_once(llama[0]);
  size_t j = 0;
  for (const auto& [dtype, bound] : bounds) {
    const std::string label = "demo " + dtype;
    const LlamaCppResult& on_file = llama[j];
    const LlamaCppResult& on_widened = llama[j + 1];
    const std::vector<double> hone = hone_logits(jobs[j].model, "", demo.prompt);
    j += 2;
    const double same_weights = logprob_gap(hone, on_widened.logits);
    const double activation_rounding = logprob_gap(hone, on_file.logits);
    std::cout << "[ " << label << " ] max |log p| gap: hone vs llama.cpp on the f32 copy " << same_weights
              << ", hone vs llama.cpp on the " << dtype << " file " << activation_rounding << " (bound " << bound << ")\n";
    EXPECT_LE(same_weights, kF32Bound) << label << ": llama.cpp reads other weights from the file than hone does";
    EXPECT_LE(activation_rounding, bound) << label;
    expect_same_greedy(hone_greedy(jobs[j - 2].model, "", demo.prompt), on_file, bound, label);
  }
}

// An adapter trained by `hone train` for a few steps at a high learning rate (so that it moves
// the logits far beyond the bounds), exported by `hone export --adapter`.
struct TrainedAdapter {
  Subject base;
  std::string adapter_dir;   // the PEFT folder hone applies
  std::string base_gguf;     // the base model llama.cpp loads
  std::string adapter_gguf;  // the LoRA GGUF llama.cpp applies
  double bound;
};

std::string train_adapter(const Scratch& scratch, const Subject& base, const std::string& run, const std::string& flags) {
  const std::string out = scratch / run;
  hone_ok("train --model " + quoted(base.folder) + " --out " + quoted(out) + " " + flags +
          " --max_steps 6 --lr 1e-2 --batch_size 4 --threads 2 --log_every 100 --seed 3");
  return out + "/adapter";
}

// Pre-tokenized training data for the tiny models: random ids below their vocabulary of 96.
std::string token_data(const Scratch& scratch) {
  const std::string path = scratch / "tokens.jsonl";
  std::ofstream out(path);
  uint32_t state = 12345;
  for (int line = 0; line < 16; ++line) {
    std::vector<int32_t> ids;
    for (int t = 0; t < 24; ++t) {
      state = state * 1664525u + 1013904223u;
      ids.push_back(int32_t((state >> 8) % 96));
    }
    out << nlohmann::json{{"input_ids", ids}}.dump() << "\n";
  }
  return path;
}

// rsLoRA on every linear layer of demo (q/k B rows permuted for llama, rsLoRA's scale folded into
// B), also exported as f16; plain LoRA on q/k/v/o of qwen2 (no permutation, with biases) and on
// the head_dim 16 llama (permutation with head_dim != hidden/heads).
TEST(LlamaCpp, LoraAdapterExportsApplyAsInHone) {
  if (const std::string why = testing::llama_cpp_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  Scratch scratch;
  std::vector<TrainedAdapter> adapters;
  {
    const Subject demo = demo_subject();
    const std::string dir = train_adapter(
        scratch, demo, "demo-run",
        "--data " + quoted(std::string(HONE_SOURCE_DIR) + "/examples/demo/definitions_train.jsonl") +
            " --format completion --seq_len 64 --lora.r 8 --lora.alpha 16 --lora.use_rslora true"
            " --lora.target_modules all-linear");
    const std::string base = scratch / "demo-f32.gguf";
    export_model(demo.folder, "f32", base);
    for (const char* dtype : {"f32", "f16"}) {
      const std::string gguf = scratch / (std::string("demo-lora-") + dtype + ".gguf");
      hone_ok("export --adapter " + quoted(dir) + " --model " + quoted(demo.folder) + " --format gguf --outtype " + dtype +
              " --out " + quoted(gguf));
      adapters.push_back({demo, dir, base, gguf, std::string(dtype) == "f32" ? kF32Bound : kF16Bound});
    }
  }
  const std::string data = token_data(scratch);
  for (const char* name : {"qwen2", "llama_bias_linear_headdim"}) {
    const Subject tiny = tiny_subject(scratch, name);
    const std::string dir = train_adapter(scratch, tiny, std::string(name) + "-run",
                                          "--data " + quoted(data) + " --format tokens --seq_len 24 --lora.r 4 --lora.alpha 8"
                                          " --lora.target_modules q_proj,k_proj,v_proj,o_proj");
    const std::string base = scratch / (std::string(name) + "-f32.gguf");
    export_model(tiny.folder, "f32", base);
    const std::string gguf = scratch / (std::string(name) + "-lora.gguf");
    hone_ok("export --adapter " + quoted(dir) + " --model " + quoted(tiny.folder) + " --format gguf --out " + quoted(gguf));
    adapters.push_back({tiny, dir, base, gguf, kF32Bound});
  }

  std::vector<LlamaCppJob> jobs;
  for (const TrainedAdapter& a : adapters) jobs.push_back({a.base_gguf, a.base.prompt, {a.adapter_gguf}, kGreedyTokens});
  const auto llama = testing::run_llama_cpp(jobs, scratch.str());
  print_build_once(llama[0]);
  for (size_t i = 0; i < adapters.size(); ++i) {
    const TrainedAdapter& a = adapters[i];
    const std::string label = a.base.name + " + " + fs::path(a.adapter_gguf).filename().string();
    const std::vector<double> adapted = hone_logits(a.base_gguf, a.adapter_dir, a.base.prompt);
    const double effect = logprob_gap(adapted, hone_logits(a.base_gguf, "", a.base.prompt));
    const double gap = logprob_gap(adapted, llama[i].logits);
    std::cout << "[ " << label << " ] max |log p| gap: hone vs llama.cpp " << gap << " (bound " << a.bound
              << "); the adapter itself moves log p by up to " << effect << "\n";
    EXPECT_GE(effect, 100 * a.bound) << label << ": the adapter barely changes the model, so this proves little";
    EXPECT_LE(gap, a.bound) << label;
    expect_same_greedy(hone_greedy(a.base_gguf, a.adapter_dir, a.base.prompt), llama[i], a.bound, label);
  }
}

}  // namespace
}  // namespace hone
