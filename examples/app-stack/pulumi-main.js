// The entry point `pulumi` runs: index.ts through the same TypeScript loader as the
// observability stack (@scaibu/observability-loader: esbuild, transpile only).
require("@scaibu/observability-loader");
module.exports = require("./index.ts");
