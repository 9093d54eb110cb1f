// Encode throughput of Tokenizers.js on the tokenizer test corpus: the reference side of
// bench/tokenizer_bench.sh. Same texts and loop as bench/tokenizer_bench.cpp.
// Usage: node tokenizer_bench.mjs NPM_DIR CORPUS.json SECONDS FOLDER...
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [npmDir, corpusPath, secondsText, ...folders] = process.argv.slice(2);
const { Tokenizer } = await import(pathToFileURL(join(npmDir, "node_modules/@huggingface/tokenizers/dist/tokenizers.mjs")).href);
const texts = JSON.parse(readFileSync(corpusPath, "utf8")).cases.map((c) => c.text);
const bytesPerPass = texts.reduce((n, t) => n + Buffer.byteLength(t, "utf8"), 0);
const seconds = Number(secondsText);

for (const folder of folders) {
  const tokenizer = new Tokenizer(
    JSON.parse(readFileSync(join(folder, "tokenizer.json"), "utf8")),
    JSON.parse(readFileSync(join(folder, "tokenizer_config.json"), "utf8")),
  );
  let tokens = 0;
  for (const text of texts) tokens += tokenizer.encode(text).ids.length; // warm-up pass
  let passes = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (const text of texts) tokens += tokenizer.encode(text).ids.length;
    ++passes;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < seconds);
  console.log(JSON.stringify({
    bench: "tokenizer_encode", impl: "tokenizers.js", tokenizer: folder,
    bytes_per_pass: bytesPerPass, passes, mb_per_s: (bytesPerPass * passes) / elapsed / 1e6,
  }));
  if (tokens === 0) process.exit(1);
}
