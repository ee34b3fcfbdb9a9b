// Loads .ts files by transpiling each with esbuild (types dropped, not checked: `tsc --noEmit` in
// CI checks them). Used by pulumi-main.js and the unit tier (`node -r ./scripts/ts-register.js`).
// CommonJS only: the ESM Node client's tests still run under tsx.
// It hooks `.ts` only: tsx, used before, also intercepts every `.js` require to support ESM and
// tsconfig paths, which this project does not use, and that made loading the four Pulumi SDKs
// about 1 s slower in every `pulumi preview`, `up` and unit test process (measured: README).
// Output is cached on disk by content, so a run whose sources did not change neither transpiles
// nor starts esbuild's service process.
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");

const OPTIONS = {
  loader: "ts",
  format: "cjs",
  target: "node20",
  // `import()` of a .ts module becomes a require: Node's ESM loader does not know .ts.
  supported: { "dynamic-import": false },
  // Errors and stack traces point at the TypeScript lines.
  sourcemap: "inline",
};
const root = join(__dirname, "..");
const cacheDir = join(root, "node_modules", ".cache", "scaibu-ts");
// A new esbuild or new options must not reuse old output.
const salt = `${require(join(root, "node_modules", "esbuild", "package.json")).version}\0${JSON.stringify(OPTIONS)}`;
let esbuild;

function transpile(source, filename) {
  const key = createHash("sha256").update(salt).update("\0").update(filename).update("\0").update(source);
  const cached = join(cacheDir, `${key.digest("hex")}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    esbuild ??= require("esbuild");
    const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
    try {
      mkdirSync(cacheDir, { recursive: true });
      // Written whole, then renamed: a parallel test process never reads half a file.
      const tmp = `${cached}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, cached);
    } catch {
      // A read-only checkout still runs; it only transpiles every time.
    }
    return code;
  }
}

require.extensions[".ts"] = (module, filename) => {
  module._compile(transpile(readFileSync(filename, "utf8"), filename), filename);
};
process.setSourceMapsEnabled(true);
