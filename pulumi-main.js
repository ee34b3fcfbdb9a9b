// The entry point `pulumi` runs (Pulumi.yaml `main`).
//
// Node's compile cache first (node_modules/.cache/node-compile, beside the loader's): the SDKs and
// the stack's modules are then loaded from V8's cached code instead of being compiled again on
// every preview (measured: docs/benchmark.md). NODE_COMPILE_CACHE, when set, wins.
require("node:module").enableCompileCache(
  process.env.NODE_COMPILE_CACHE || require("node:path").join(__dirname, "node_modules", ".cache", "node-compile"),
);

// Then index.ts, through the project's one TypeScript loader (packages/loader: esbuild, transpile
// only), so a no-op preview skips the type check that Pulumi's built-in ts-node would repeat on
// every run (about 2 s here). Type checking is CI's job: `npm run build` (tsc --noEmit, strict) in
// the static tier. No build step to remember: edit index.ts, run pulumi.
require("@scaibu/observability-loader");

// npm's arborist, which the SDK loads for closure serialization only, waits until it is used
// (never, in this program): packages/loader/defer-code-paths.js.
require("@scaibu/observability-loader/defer-code-paths").deferCodePaths(__dirname);

// The SDK reads a stack trace for every resource it registers and for every promise it tracks. A
// language host with `typescript` on (the one built here ignores `typescript: false`) has
// installed ts-node's source-map-support to format them, which maps every frame in JavaScript and
// made a no-op preview about 13 % slower (docs/benchmark.md). Node formats them itself, mapped to
// the TypeScript lines through the loader's source maps (process.setSourceMapsEnabled).
Error.prepareStackTrace = undefined;

// An output the config turns off (fleet in single mode) is exported as undefined: left out here,
// where Pulumi would warn "Undefined value (fleet) will not show as a stack output" on every run.
const program = require("./index.ts");
module.exports = Object.fromEntries(Object.entries(program).filter(([, value]) => value !== undefined));
