// Loads .ts files by transpiling each with esbuild (types dropped, not checked: `tsc --noEmit` in
// CI checks them). Used by pulumi-main.js and the unit tier (`node -r ./scripts/ts-register.js`).
// CommonJS only: the ESM Node client's tests still run under tsx.
// It hooks `.ts` only: tsx, used before, also intercepts every `.js` require to support ESM and
// tsconfig paths, which this project does not use, and that made loading the four Pulumi SDKs
// about 1 s slower in every `pulumi preview`, `up` and unit test process (measured: README).
"use strict";
const { transformSync } = require("esbuild");
const { readFileSync } = require("node:fs");

require.extensions[".ts"] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, "utf8"), {
    loader: "ts",
    format: "cjs",
    target: "node20",
    // `import()` of a .ts module becomes a require: Node's ESM loader does not know .ts.
    supported: { "dynamic-import": false },
    sourcefile: filename,
    // Errors and stack traces point at the TypeScript lines.
    sourcemap: "inline",
  });
  module._compile(code, filename);
};
process.setSourceMapsEnabled(true);
