// Reference ids for hone's tokenizer tests: encodes every text of a corpus with Tokenizers.js
// (@huggingface/tokenizers), with and without special tokens, for each tokenizer folder given,
// and prints one JSON object {folder: [{name, ids, ids_no_special, decoded, decoded_skip_special}]}.
// Usage: node tokenizer_reference.mjs NPM_DIR CORPUS.json FOLDER...
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [npmDir, corpusPath, ...folders] = process.argv.slice(2);
if (!npmDir || !corpusPath || folders.length === 0) {
  console.error("usage: node tokenizer_reference.mjs NPM_DIR CORPUS.json FOLDER...");
  process.exit(2);
}
const moduleUrl = pathToFileURL(join(npmDir, "node_modules/@huggingface/tokenizers/dist/tokenizers.mjs"));
const { Tokenizer } = await import(moduleUrl.href);
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));

const out = {};
for (const folder of folders) {
  const tokenizerJson = JSON.parse(readFileSync(join(folder, "tokenizer.json"), "utf8"));
  const tokenizerConfig = JSON.parse(readFileSync(join(folder, "tokenizer_config.json"), "utf8"));
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  // Tokenizers.js refuses to decode an empty list; the expected text is then empty.
  const decode = (ids, options) => (ids.length === 0 ? "" : tokenizer.decode(ids, options));
  out[folder] = corpus.cases.map(({ name, text }) => {
    const ids = tokenizer.encode(text).ids;
    const idsNoSpecial = tokenizer.encode(text, { add_special_tokens: false }).ids;
    return {
      name,
      ids,
      ids_no_special: idsNoSpecial,
      decoded: decode(ids, {}),
      decoded_skip_special: decode(ids, { skip_special_tokens: true }),
    };
  });
}
process.stdout.write(JSON.stringify(out));
