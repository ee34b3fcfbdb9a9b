// The entry point `pulumi` runs (Pulumi.yaml `main`). It loads index.ts through the project's one
// TypeScript loader (packages/loader: esbuild, transpile only), so a no-op preview skips the type
// check that Pulumi's built-in ts-node would repeat on every run (about 2 s here). Type checking
// is CI's job: `npm run build` (tsc --noEmit, strict) in the static tier. No build step to
// remember: edit index.ts, run pulumi.
require("@scaibu/observability-loader");

// Serializing the network guards' dynamic provider, @pulumi/pulumi 3.270 requires every built-in
// module (runtime/closure/createClosure.js computeBuiltInModules), Node 26's experimental `ffi`
// among them, whose load prints an ExperimentalWarning into every preview. Nothing here uses FFI:
// that one warning is dropped, every other one is kept.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  if (String(warning).startsWith("FFI is an experimental feature")) return;
  return emitWarning.call(this, warning, ...rest);
};

module.exports = require("./index.ts");
