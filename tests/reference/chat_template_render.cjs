// Renders chat-template cases with @huggingface/jinja (the reference Jinja implementation of
// transformers.js), for tests/tokenizer/chat_template_reference_test.cpp.
// Usage: node chat_template_render.cjs NPM_CACHE_DIR CASES.json  -> prints a JSON array of
// {"text": ...} or {"error": ...}, one per case ({"template": ..., "context": {...}}).
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const [cacheDir, casesFile] = process.argv.slice(2);
if (!cacheDir || !casesFile) {
  process.stderr.write("usage: node chat_template_render.cjs NPM_CACHE_DIR CASES.json\n");
  process.exit(2);
}
const requireFromCache = createRequire(path.join(path.resolve(cacheDir), "package.json"));
const { Template } = requireFromCache("@huggingface/jinja");

const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const results = cases.map(({ template, context }) => {
  try {
    return { text: new Template(template).render(context) };
  } catch (error) {
    return { error: String(error && error.message ? error.message : error) };
  }
});
process.stdout.write(JSON.stringify(results));
