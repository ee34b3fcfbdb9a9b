// The entry point `pulumi` runs (Pulumi.yaml `main`). It loads index.ts through an esbuild
// transpile-only hook (scripts/ts-register.js), so a no-op preview skips the type check that
// Pulumi's built-in ts-node would repeat on every run (about 2 s here). Type checking is CI's job:
// `npm run build` (tsc --noEmit, strict) in the static tier. No build step to remember: edit
// index.ts, run pulumi.
require("./scripts/ts-register.js");
module.exports = require("./index.ts");
