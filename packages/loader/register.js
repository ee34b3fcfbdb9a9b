// The one TypeScript loader of every entry point: the Pulumi program (pulumi-main.js), the
// consumer example, the tools, and every test tier (`node -r @scaibu/observability-loader …`). Each .ts file is transpiled by esbuild
// (types dropped, not checked: `tsc --noEmit` in the static tier checks them).
//   - CommonJS .ts (the program, tools, tests): a `require.extensions` hook.
//   - ESM .ts (clients/node, "type": "module"): Node's in-thread module hooks
//     (`module.registerHooks`, Node >= 22.15), which also map a `./x.js` specifier to `./x.ts`
//     as tsc's NodeNext resolution does.
// It hooks `.ts` only: tsx, used before, also intercepts every `.js` require, which made loading
// the four Pulumi SDKs about 1 s slower in every process (measured: docs/benchmark.md).
// Output is cached on disk by content, so a run whose sources did not change neither transpiles
// nor starts esbuild's service process.
"use strict";
const { createHash } = require("node:crypto");
const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { dirname, join } = require("node:path");
const { fileURLToPath } = require("node:url");

const OPTIONS = {
  loader: "ts",
  target: "node22",
  // Errors and stack traces point at the TypeScript lines.
  sourcemap: "inline",
};
const CJS = {
  ...OPTIONS,
  format: "cjs",
  // `import()` of a .ts module becomes a require: the CJS files are loaded by the hook above.
  supported: { "dynamic-import": false },
};
const ESM = { ...OPTIONS, format: "esm" };
const esbuildPackage = require.resolve("esbuild/package.json");
// node_modules/.cache, beside the esbuild it was made with.
const cacheDir = join(dirname(esbuildPackage), "..", ".cache", "scaibu-ts");
// A new esbuild or new options must not reuse old output.
const salt = `${require(esbuildPackage).version}\0${JSON.stringify([CJS, ESM])}`;
let esbuild;

function transpile(source, filename, options) {
  const key = createHash("sha256")
    .update(salt)
    .update("\0")
    .update(options.format)
    .update("\0")
    .update(filename)
    .update("\0")
    .update(source);
  const cached = join(cacheDir, `${key.digest("hex")}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    esbuild ??= require("esbuild");
    const { code } = esbuild.transformSync(source, { ...options, sourcefile: filename });
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
  module._compile(transpile(readFileSync(filename, "utf8"), filename, CJS), filename);
};

/** Whether the nearest package.json of `file` says "type": "module". */
const moduleScope = new Map();
function isModuleScope(file) {
  const dir = dirname(file);
  if (!moduleScope.has(dir)) {
    const pkg = join(dir, "package.json");
    let type;
    if (existsSync(pkg)) type = JSON.parse(readFileSync(pkg, "utf8")).type === "module";
    else type = dir === dirname(dir) ? false : isModuleScope(dir);
    moduleScope.set(dir, type);
  }
  return moduleScope.get(dir);
}

Module.registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      // `./x.js` written for tsc's NodeNext resolution names the source `./x.ts`.
      if (!/^\.{1,2}\/.*\.js$/.test(specifier) || !context.parentURL?.startsWith("file:")) throw err;
      const ts = new URL(specifier.replace(/\.js$/, ".ts"), context.parentURL);
      if (!existsSync(fileURLToPath(ts))) throw err;
      return next(ts.href, context);
    }
  },
  load(url, context, next) {
    if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
    const file = fileURLToPath(url);
    if (!isModuleScope(file)) return next(url, context); // CommonJS: the require hook above
    return { format: "module", source: transpile(readFileSync(file, "utf8"), file, ESM), shortCircuit: true };
  },
});
process.setSourceMapsEnabled(true);
