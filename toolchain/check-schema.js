#!/usr/bin/env node
// Compare the Pulumi schema a rebuilt provider plugin serves with the npm SDK
// that the program uses: every input property name of every resource (and of
// every nested input type) known to the SDK must exist in the schema with the
// same name, otherwise the provider would silently ignore that input.
//
//   node scripts/toolchain/check-schema.js <schema.json> <node_modules/@pulumi/NAME>
//
// Exit code 1 and one line per difference when they disagree.
"use strict";
const fs = require("fs");
const path = require("path");

const [schemaPath, sdkDir] = process.argv.slice(2);
if (!schemaPath || !sdkDir) {
  console.error("usage: check-schema.js <schema.json> <sdk dir>");
  process.exit(2);
}
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));

// Property names of `export interface NAME {...}` in a .d.ts file.
function interfaceProps(file, name) {
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, "utf8");
  const start = text.indexOf(`export interface ${name} {`);
  if (start < 0) return null;
  const end = text.indexOf("\n}", start);
  const body = text.slice(start, end);
  const props = new Set();
  for (const m of body.matchAll(/^\s{4}(?:readonly\s+)?([A-Za-z_$][\w$]*)\??:/gm)) props.add(m[1]);
  return props;
}

const problems = [];
let checked = 0;
function compare(label, sdkProps, schemaProps) {
  if (!sdkProps) return;
  checked++;
  for (const p of sdkProps) {
    if (!schemaProps.has(p)) problems.push(`${label}: SDK input "${p}" is not in the plugin schema`);
  }
}

for (const [tok, res] of Object.entries(schema.resources || {})) {
  const [, mod, name] = tok.split(":");
  const file = path.join(sdkDir, mod.split("/")[1] + ".d.ts");
  compare(tok, interfaceProps(file, `${name}Args`), new Set(Object.keys(res.inputProperties || {})));
}
for (const [tok, t] of Object.entries(schema.types || {})) {
  const name = tok.split(":")[2];
  compare(
    tok,
    interfaceProps(path.join(sdkDir, "types", "input.d.ts"), name),
    new Set(Object.keys(t.properties || {})),
  );
}
if (schema.config && schema.config.variables) {
  compare(
    "provider config",
    interfaceProps(path.join(sdkDir, "provider.d.ts"), "ProviderArgs"),
    new Set(Object.keys(schema.config.variables)),
  );
}

if (checked === 0) problems.push(`no SDK type matched the schema: is ${sdkDir} the right package?`);
for (const p of problems) console.log(p);
process.exit(problems.length ? 1 : 0);
