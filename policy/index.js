// The pack's entry (package.json main).
//
// @pulumi/policy 1.21.0 deserializes the properties it hands to validateResource and validateStack
// with secrets unwrapped (server.js: deserializeProperties(..., false)), so no rule could tell a
// secret stack output from a plain one. A copy that keeps them marked (the SDK's own
// secretsPreservingProxy) is attached to the properties for no-secrets-in-plain-outputs (rules.ts).
// Checked end to end in tests/e2e/policy.test.ts.
const deserialize = require("@pulumi/policy/deserialize");
const deserializeProperties = deserialize.deserializeProperties;
// Rules keep reading the plain properties (the secrets proxy breaks Array methods on them); the
// marked copy rides along, hidden, for rules.ts `withSecrets`.
const WITH_SECRETS = Symbol.for("scaibu.policy.withSecrets");
deserialize.deserializeProperties = (properties, proxySecrets) => {
  const plain = deserializeProperties(properties, proxySecrets);
  if (!proxySecrets && plain !== null && typeof plain === "object") {
    Object.defineProperty(plain, WITH_SECRETS, { value: deserializeProperties(properties, true), enumerable: false });
  }
  return plain;
};

// policies.ts through the project's TypeScript loader, as pulumi-main.js does; tsc checks types.
require("@scaibu/observability-loader");
require("./policies.ts");
