// The entry point `pulumi` runs (Pulumi.yaml `main`). It loads index.ts through tsx's CommonJS
// hook (esbuild: transpile only), so a no-op preview skips the type check that Pulumi's built-in
// ts-node would repeat on every run (about 2 s here). Type checking is CI's job: `npm run build`
// (tsc --noEmit, strict) in the static tier. No build step to remember: edit index.ts, run pulumi.
require("tsx/cjs/api").register();
module.exports = require("./index.ts");
