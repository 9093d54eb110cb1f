// What llama.cpp computes for a GGUF model: evaluates a token sequence with llama.cpp's CPU
// backend — the prebuilt libraries of node-llama-cpp, installed by scripts/fetch_test_references.sh
// into .cache/npm-llama-cpp (Node >= 20), never downloaded or built at run time — optionally with LoRA adapter GGUFs, and
// prints one JSON object per job:
//   top             the top_k most likely next tokens after the prompt [{id, logit, logprob}]
//                   (log-softmax in f64 over llama.cpp's f32 logits)
//   logits          the raw next-token logits at the last prompt position, in id order (full)
//   greedy          `greedy` tokens continued greedily: argmax of llama.cpp's logits (the lowest
//                   id on a tie, as hone's sampler), whatever they are (no stop at end-of-text)
//   greedy_margins  at each greedy step, the logit gap between the chosen token and the runner-up
//                   (where it is tiny, another engine may rightly pick the other one)
//   llama_cpp       which node-llama-cpp / llama.cpp build and CPU backend ran
// The KV cache is f32 unless kv_type "f16" is asked for: llama.cpp's own default, f16, rounds
// keys and values and would hide f32 differences behind f16 ones. Flash attention is off (its CPU
// path also rounds K and V to f16).
//
// One job from flags:
//   node llama_cpp_reference.mjs --npm NPM_DIR --model MODEL.gguf --tokens 1,2,3
//        [--lora ADAPTER.gguf]... [--lora-scale S] [--greedy N] [--top-k K] [--full]
//        [--threads N] [--kv-type f32|f16]
// Many jobs in one process (loading llama.cpp takes seconds, a small model milliseconds):
//   node llama_cpp_reference.mjs --npm NPM_DIR --jobs JOBS.json [--threads N]
//   JOBS.json: [{"model": ..., "tokens": [...], "lora": [...], "lora_scale": 1, "greedy": 0,
//               "top_k": 10, "full": false, "kv_type": "f32"}, ...]; prints a JSON array.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

function fail(message) {
  process.stderr.write(`llama_cpp_reference: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const job = { lora: [], lora_scale: 1, greedy: 0, top_k: 10, full: false, kv_type: "f32" };
  const args = { threads: 2, job };
  for (let i = 0; i < argv.length; ++i) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case "--npm": args.npm = value(); break;
      case "--jobs": args.jobs = value(); break;
      case "--threads": args.threads = Number.parseInt(value(), 10); break;
      case "--model": job.model = value(); break;
      case "--tokens": job.tokens = value().split(",").map((t) => Number(t)); break;
      case "--lora": job.lora.push(value()); break;
      case "--lora-scale": job.lora_scale = Number(value()); break;
      case "--greedy": job.greedy = Number(value()); break;
      case "--top-k": job.top_k = Number(value()); break;
      case "--full": job.full = true; break;
      case "--kv-type": job.kv_type = value(); break;
      default: fail(`unknown argument ${flag}`);
    }
  }
  if (!args.npm || (!args.jobs && !job.model)) {
    fail("usage: --npm NPM_DIR (--model MODEL.gguf --tokens 1,2,3 [...] | --jobs JOBS.json)");
  }
  if (!Number.isInteger(args.threads) || args.threads < 1) fail("--threads must be a positive integer");
  return args;
}

function checkedJob(raw, where) {
  const job = { lora: [], lora_scale: 1, greedy: 0, top_k: 10, full: false, kv_type: "f32", ...raw };
  if (typeof job.model !== "string") fail(`${where}: "model" (a GGUF path) is missing`);
  if (!Array.isArray(job.tokens) || job.tokens.length === 0 || job.tokens.some((t) => !Number.isInteger(t) || t < 0)) {
    fail(`${where}: "tokens" must be a non-empty list of non-negative integer ids`);
  }
  if (!Number.isInteger(job.greedy) || job.greedy < 0) fail(`${where}: "greedy" must be a non-negative integer`);
  if (!Number.isInteger(job.top_k) || job.top_k < 0) fail(`${where}: "top_k" must be a non-negative integer`);
  if (!["f32", "f16"].includes(job.kv_type)) fail(`${where}: "kv_type" is "f32" or "f16"`);
  return job;
}

// node-llama-cpp from the test-reference folder, on its prebuilt CPU binaries only. `onMessage`
// (optional) sees every other log line of llama.cpp's, and returns true for those it consumes
// (bench/llama_cpp_bench.mjs takes the perf counters this way).
export async function loadLlamaCpp(npmDir, threads, onMessage = () => false) {
  const packageDir = join(npmDir, "node_modules/node-llama-cpp");
  let version;
  let cpuBackend = null;
  try {
    version = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).version;
  } catch {
    fail(`${packageDir} is missing: run scripts/fetch_test_references.sh (needs node and npm)`);
  }
  const { getLlama } = await import(pathToFileURL(join(packageDir, "dist/index.js")).href);
  // build "never" + skipDownload: the prebuilt binary or an error, never a fetch or a compile.
  const llama = await getLlama({
    build: "never",
    skipDownload: true,
    usePrebuiltBinaries: true,
    gpu: false,
    progressLogs: false,
    maxThreads: threads,
    // "debug" only to catch the line that names the CPU backend variant ggml picked for this
    // processor; warnings and errors go to stderr, the rest is dropped.
    logLevel: "debug",
    logger: (level, message) => {
      const loaded = /loaded CPU backend from (\S+)/.exec(message);
      if (loaded) cpuBackend = basename(loaded[1]);
      else if (onMessage(level, message)) return;
      else if (["warn", "error", "fatal"].includes(level)) process.stderr.write(`llama.cpp ${level}: ${message.trimEnd()}\n`);
    },
  });
  const info = {
    node_llama_cpp: version,
    llama_cpp_release: llama.llamaCppRelease?.release ?? null,
    build_type: llama.buildType,
    gpu: llama.gpu,
    // Filled in by the logger: llama.cpp's log lines reach JavaScript asynchronously.
    get cpu_backend() {
      return cpuBackend;
    },
    cpu_features: llama.systemInfo.replace(/\s+/g, " ").trim(),
    threads,
  };
  return { llama, info };
}

// A logits Map (as node-llama-cpp returns it, sorted by logit) -> Float64Array in id order.
function logitsInIdOrder(map, vocab) {
  const out = new Float64Array(vocab).fill(Number.NaN);
  for (const [id, logit] of map) out[id] = logit;
  return out;
}

function logSoftmax(logits) {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Array.from(logits, (v) => v - lse);
}

// The largest logit's id (the lowest id on a tie) and its lead over the runner-up.
function argmaxWithMargin(logits) {
  let best = 0;
  for (let i = 1; i < logits.length; ++i) if (logits[i] > logits[best]) best = i;
  let second = -Infinity;
  for (let i = 0; i < logits.length; ++i) if (i !== best) second = Math.max(second, logits[i]);
  return { id: best, margin: logits[best] - second };
}

async function runJob(llama, job, threads) {
  const model = await llama.loadModel({ modelPath: job.model, gpuLayers: 0 });
  // The vocabulary is the row count of the token embedding (ggml lists dimensions innermost first).
  const vocab = model.fileInfo.tensorInfo?.find((t) => t.name === "token_embd.weight")?.dimensions?.[1];
  const needed = job.tokens.length + job.greedy + 1;
  const kv = job.kv_type.toUpperCase();
  const context = await model.createContext({
    contextSize: needed,
    batchSize: Math.max(needed, 32),
    sequences: 1,
    threads: { ideal: threads, min: threads },
    flashAttention: false,
    experimentalKvCacheKeyType: kv,
    experimentalKvCacheValueType: kv,
    lora: job.lora.length ? { adapters: job.lora.map((filePath) => ({ filePath, scale: job.lora_scale })) } : undefined,
    failedCreationRemedy: false,
  });
  try {
    const sequence = context.getSequence();
    // The prompt as one batch, logits of its last position only.
    const last = job.tokens.length - 1;
    const input = job.tokens.map((t, i) => (i === last ? [t, { generateNext: { logits: true } }] : t));
    const output = await sequence.controlledEvaluate(input);
    const lastMap = output[last]?.next?.logits;
    if (!lastMap) fail(`${job.model}: llama.cpp returned no logits for the last prompt position`);
    const vocabSize = Number(vocab ?? lastMap.size);
    if (lastMap.size !== vocabSize) fail(`${job.model}: ${lastMap.size} logits for a vocabulary of ${vocabSize}`);
    const promptLogits = logitsInIdOrder(lastMap, vocabSize);

    const logprobs = logSoftmax(promptLogits);
    const order = Array.from(promptLogits.keys()).sort((a, b) => promptLogits[b] - promptLogits[a] || a - b);
    const top = order.slice(0, Math.min(job.top_k, vocabSize)).map((id) => ({ id, logit: promptLogits[id], logprob: logprobs[id] }));

    const greedy = [];
    const margins = [];
    let logits = promptLogits;
    for (let step = 0; step < job.greedy; ++step) {
      const { id, margin } = argmaxWithMargin(logits);
      greedy.push(id);
      margins.push(margin);
      if (step + 1 === job.greedy) break;
      const next = await sequence.controlledEvaluate([[id, { generateNext: { logits: true } }]]);
      logits = logitsInIdOrder(next[0].next.logits, vocabSize);
    }
    const result = { model: job.model, lora: job.lora, vocab_size: vocabSize, prompt_tokens: job.tokens.length, top, greedy, greedy_margins: margins };
    if (job.full) result.logits = Array.from(promptLogits);
    return result;
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const jobs = args.jobs
    ? (() => {
      let list;
      try {
        list = JSON.parse(readFileSync(args.jobs, "utf8"));
      } catch (e) {
        fail(`cannot read ${args.jobs}: ${e.message}`);
      }
      if (!Array.isArray(list)) fail(`${args.jobs} must hold a JSON array of jobs`);
      return list.map((job, i) => checkedJob(job, `${args.jobs} job ${i}`));
    })()
    : [checkedJob(args.job, "arguments")];
  const { llama, info } = await loadLlamaCpp(args.npm, args.threads);
  const results = [];
  for (const job of jobs) results.push({ llama_cpp: info, ...(await runJob(llama, job, args.threads)) });
  process.stdout.write(JSON.stringify(args.jobs ? results : results[0]) + "\n");
  await llama.dispose();
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
