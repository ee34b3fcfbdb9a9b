// The pack's entry (package.json main): loads policies.ts through tsx's CommonJS hook, as
// pulumi-main.js does for the program; tsc checks its types in CI.
require("tsx/cjs/api").register();
require("./policies.ts");
