// @pulumi/pulumi 3.270 loads runtime/closure/codePaths with the SDK's index, and with it npm's
// arborist and pacote (about 0.15 s of CPU before the first resource). Only closure serialization
// (dynamic providers, function serialization) uses it, and this program serializes none. This puts
// a stand-in for that one module into the require cache that loads the real one on its first use,
// so nothing changes for a program that does serialize. Used by pulumi-main.js.
"use strict";
const Module = require("node:module");

/** Defers codePaths for the @pulumi/pulumi found from `fromDir`; false when there is none or it is loaded. */
function deferCodePaths(fromDir) {
  let file;
  try {
    file = require.resolve("@pulumi/pulumi/runtime/closure/codePaths", { paths: [fromDir] });
  } catch {
    return false;
  }
  if (require.cache[file]) return false;
  let real;
  const load = () => {
    if (!real) {
      delete require.cache[file];
      real = require(file);
    }
    return real;
  };
  const stub = new Module(file, module);
  stub.filename = file;
  stub.loaded = true;
  // Each export is a function (the SDK's index reads them when it loads): wrap the known ones,
  // forward anything else as it is.
  const known = new Set(["computeCodePaths", "findWorkspaceRoot", "packageArchivePath"]);
  stub.exports = new Proxy(
    {},
    {
      get: (_, prop) => (known.has(prop) ? (...args) => load()[prop](...args) : load()[prop]),
      has: (_, prop) => prop in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, prop) => Reflect.getOwnPropertyDescriptor(load(), prop),
    },
  );
  require.cache[file] = stub;
  return true;
}

module.exports = { deferCodePaths };
