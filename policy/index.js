// The pack's entry (package.json main).
//
// @pulumi/policy 1.21.0 deserializes the properties it hands to validateResource and validateStack
// with secrets unwrapped (server.js: deserializeProperties(..., false)), so no rule could tell a
// secret stack output from a plain one. Keep them marked: every value still reads as plain data
// through the SDK's secretsPreservingProxy, and the Secret stays visible to
// no-secrets-in-plain-outputs (rules.ts). Checked end to end in tests/e2e/policy.test.ts.
const deserialize = require("@pulumi/policy/deserialize");
const deserializeProperties = deserialize.deserializeProperties;
deserialize.deserializeProperties = (properties) => deserializeProperties(properties, true);

// policies.ts through tsx's CommonJS hook, as pulumi-main.js does for the program; tsc checks types.
require("tsx/cjs/api").register();
require("./policies.ts");
