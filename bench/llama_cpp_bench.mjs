// llama.cpp's side of hone's inference workloads (../shared/bench/README.md): prefill of a
// 256-token prompt (batch 1, logits of the last position only, KV cache filled) and greedy decode
// of 64 tokens after it, on a GGUF file, with llama.cpp's CPU backend from the prebuilt libraries
// of node-llama-cpp (scripts/fetch_test_references.sh installs them; never built or downloaded
// here). Prints one JSON line per workload, shaped like `hone bench`'s.
//
// Two clocks: tokens_per_s is llama.cpp's own (llama_perf_context: the time inside llama_decode,
// as llama-bench reports it); tokens_per_s_wall is measured here around the calls and adds
// node-llama-cpp's per-call overhead (small for prefill, up to a few % of a decode step).
// Decode counts new_tokens - 1 steps, as hone does: the first new token comes from the prefill.
// llama.cpp runs with its defaults (f16 KV cache, flash attention "auto") unless told otherwise:
// that is what a llama.cpp user gets, and the bar hone's inference is measured against.
//
// Usage: node bench/llama_cpp_bench.mjs --npm NPM_DIR --model MODEL.gguf [--label f32]
//          [--mode prefill,decode] [--threads 2] [--prompt-len 256] [--new-tokens 64]
//          [--warmup 1] [--reps 3] [--kv-type f16|f32] [--flash-attention auto|on|off] [--seed 1]
import { basename } from "node:path";

import { loadLlamaCpp } from "../tests/reference/llama_cpp_reference.mjs";

function fail(message) {
  process.stderr.write(`llama_cpp_bench: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const a = { modes: ["prefill", "decode"], threads: 2, promptLen: 256, newTokens: 64, warmup: 1, reps: 3, kvType: "f16", flashAttention: "auto", seed: 1 };
  for (let i = 0; i < argv.length; ++i) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${flag} needs a value`);
      return argv[++i];
    };
    const int = () => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) fail(`${flag} must be a non-negative integer`);
      return v;
    };
    switch (flag) {
      case "--npm": a.npm = value(); break;
      case "--model": a.model = value(); break;
      case "--label": a.label = value(); break;
      case "--mode": a.modes = value().split(","); break;
      case "--threads": a.threads = int(); break;
      case "--prompt-len": a.promptLen = int(); break;
      case "--new-tokens": a.newTokens = int(); break;
      case "--warmup": a.warmup = int(); break;
      case "--reps": a.reps = int(); break;
      case "--kv-type": a.kvType = value(); break;
      case "--flash-attention": a.flashAttention = value(); break;
      case "--seed": a.seed = int(); break;
      default: fail(`unknown argument ${flag}`);
    }
  }
  if (!a.npm || !a.model) fail("usage: --npm NPM_DIR --model MODEL.gguf [options] (see the top of this file)");
  if (a.modes.some((m) => !["prefill", "decode"].includes(m))) fail("--mode takes prefill, decode or both (comma-separated)");
  if (!["f16", "f32"].includes(a.kvType)) fail("--kv-type is f16 or f32");
  if (!["auto", "on", "off"].includes(a.flashAttention)) fail("--flash-attention is auto, on or off");
  if (a.threads < 1 || a.reps < 1 || a.promptLen < 1 || a.newTokens < 2) fail("--threads, --reps, --prompt-len >= 1 and --new-tokens >= 2");
  return a;
}

function summary(times) {
  const sorted = [...times].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, mean: times.reduce((s, t) => s + t, 0) / times.length, min: sorted[0], max: sorted[sorted.length - 1] };
}

// Random token ids, reproducible (a 32-bit LCG; the values do not matter, only that they are ids).
function randomTokens(count, vocab, seed) {
  let state = seed >>> 0;
  const out = [];
  for (let i = 0; i < count; ++i) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(state % vocab);
  }
  return out;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  // llama.cpp's log lines arrive asynchronously: the perf counters printTimings() prints (then
  // resets) are collected here.
  let perfLines = [];
  const { llama, info } = await loadLlamaCpp(a.npm, a.threads, (level, message) => {
    if (!/llama_perf_context_print/.test(message)) return false;
    perfLines.push(message);
    return true;
  });
  const model = await llama.loadModel({ modelPath: a.model, gpuLayers: 0 });
  const vocab = Number(model.fileInfo.tensorInfo.find((t) => t.name === "token_embd.weight").dimensions[1]);
  const context = await model.createContext({
    contextSize: a.promptLen + a.newTokens + 1,
    batchSize: Math.max(512, a.promptLen),
    sequences: 1,
    threads: { ideal: a.threads, min: a.threads },
    flashAttention: a.flashAttention === "auto" ? undefined : a.flashAttention === "on",
    experimentalKvCacheKeyType: a.kvType.toUpperCase(),
    experimentalKvCacheValueType: a.kvType.toUpperCase(),
    performanceTracking: true,
    failedCreationRemedy: false,
  });
  const sequence = context.getSequence();
  const prompt = randomTokens(a.promptLen, vocab, a.seed);
  const greedyNext = { generateNext: { token: true, options: { temperature: 0 } } };

  // Reads llama.cpp's counters since the last call: prompt-eval and eval milliseconds and counts.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  async function takePerf() {
    await context.printTimings();
    await settle();
    const text = perfLines.join("");
    perfLines = [];
    const prompt = /prompt eval time =\s*([\d.]+) ms \/\s*(\d+) tokens/.exec(text);
    const evalRuns = /\s eval time =\s*([\d.]+) ms \/\s*(\d+) runs/.exec(text);
    return {
      promptMs: prompt ? Number(prompt[1]) : null, promptTokens: prompt ? Number(prompt[2]) : null,
      evalMs: evalRuns ? Number(evalRuns[1]) : null, evalRuns: evalRuns ? Number(evalRuns[2]) : null,
    };
  }

  // One prefill from an empty cache; returns its wall seconds and the first new token.
  async function prefill() {
    await sequence.clearHistory();
    const input = prompt.map((t, i) => (i + 1 === prompt.length ? [t, greedyNext] : t));
    const start = process.hrtime.bigint();
    const out = await sequence.controlledEvaluate(input);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { seconds, next: out[prompt.length - 1].next.token };
  }

  const build = {
    engine: "llama.cpp", node_llama_cpp: info.node_llama_cpp, llama_cpp_release: info.llama_cpp_release,
  };
  const settings = { kv_type: a.kvType, flash_attention: a.flashAttention };
  const label = a.label ?? basename(a.model);

  if (a.modes.includes("prefill")) {
    const wall = [], inside = [];
    for (let rep = 0; rep < a.warmup + a.reps; ++rep) {
      await takePerf();
      const { seconds } = await prefill();
      const perf = await takePerf();
      if (rep < a.warmup) continue;
      wall.push(seconds);
      if (perf.promptMs == null || perf.promptTokens !== a.promptLen) fail(`unexpected llama.cpp perf counters for prefill: ${JSON.stringify(perf)}`);
      inside.push(perf.promptMs / 1000);
    }
    const t = summary(inside);
    console.log(JSON.stringify({
      measurement: "prefill", ...build, cpu_backend: info.cpu_backend, shape: label, weights_dtype: a.label ?? null, threads: a.threads, ...settings,
      batch: 1, prompt_len: a.promptLen, time_s: t, tokens_per_s: a.promptLen / t.median,
      wall_time_s: summary(wall), tokens_per_s_wall: a.promptLen / summary(wall).median,
    }));
  }

  if (a.modes.includes("decode")) {
    const wall = [], inside = [];
    const steps = a.newTokens - 1;
    for (let rep = 0; rep < a.warmup + a.reps; ++rep) {
      let { next } = await prefill();
      await takePerf();
      const start = process.hrtime.bigint();
      for (let step = 0; step < steps; ++step) {
        const out = await sequence.controlledEvaluate([[next, greedyNext]]);
        next = out[0].next.token;
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const perf = await takePerf();
      if (rep < a.warmup) continue;
      wall.push(seconds);
      if (perf.evalMs == null || perf.evalRuns !== steps) fail(`unexpected llama.cpp perf counters for decode: ${JSON.stringify(perf)}`);
      inside.push(perf.evalMs / 1000);
    }
    const t = summary(inside);
    console.log(JSON.stringify({
      measurement: "decode", ...build, cpu_backend: info.cpu_backend, shape: label, weights_dtype: a.label ?? null, threads: a.threads, ...settings,
      batch: 1, prompt_len: a.promptLen, new_tokens: a.newTokens, time_s: t, tokens_per_s: steps / t.median,
      ms_per_token: 1000 * t.median / steps, wall_time_s: summary(wall), tokens_per_s_wall: steps / summary(wall).median,
    }));
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}

await main();
