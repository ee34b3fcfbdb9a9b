// The entry point `pulumi` runs: index.ts through tsx's CommonJS hook (see ../../pulumi-main.js).
require("tsx/cjs/api").register();
module.exports = require("./index.ts");
