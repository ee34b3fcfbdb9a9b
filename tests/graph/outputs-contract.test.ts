/**
 * The outputs contract: index.ts exports exactly the outputs components/outputs.ts describes,
 * with those shapes and secret flags; docs/outputs.schema.json and the README's outputs table
 * agree with it (UPDATE_OUTPUTS_SCHEMA=1 rewrites the JSON after a deliberate change).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { installMocks, promiseOf } from "./harness";

installMocks({});

import { OUTPUTS, outputsJsonSchema, type OutputName } from "../../contract/outputs";

const repo = join(__dirname, "..", "..");
let program: Record<string, unknown>;

let engine: FakeDocker;
before(async () => {
  // The program asks the Docker API (volume owners, data at risk): an empty stand-in engine.
  engine = await fakeDocker({});
  pulumi.runtime.setConfig("docker:host", engine.endpoint);
  program = (await import("../../index")) as Record<string, unknown>;
});

describe("stack outputs contract", () => {
  it("exports exactly the described outputs", () => {
    assert.deepEqual(Object.keys(program).sort(), Object.keys(OUTPUTS).sort());
  });

  for (const name of Object.keys(OUTPUTS) as OutputName[]) {
    it(`${name}: has its shape and ${OUTPUTS[name].secret ? "is" : "is not"} secret`, async () => {
      const output = pulumi.output(program[name] as pulumi.Input<unknown>);
      assert.equal(await pulumi.isSecret(output), OUTPUTS[name].secret);
      const value = await promiseOf(output);
      // Off in the default config (fleet: single mode): absent, and tests/graph/fleet.test.ts checks its shape.
      if (value === undefined && "optional" in OUTPUTS[name] && name === "fleet") return;
      const parsed = OUTPUTS[name].schema.safeParse(value);
      assert.ok(parsed.success, `${name}: ${parsed.error?.message}`);
    });
  }

  it("matches the checked-in JSON schema", () => {
    const path = join(repo, "docs", "outputs.schema.json");
    const generated = JSON.parse(JSON.stringify(outputsJsonSchema())) as unknown;
    if (process.env.UPDATE_OUTPUTS_SCHEMA === "1") writeFileSync(path, JSON.stringify(generated, null, 2) + "\n");
    const checkedIn = JSON.parse(readFileSync(path, "utf8")) as unknown;
    assert.deepEqual(checkedIn, generated, "a changed output contract: regenerate it on purpose");
  });

  it("is what the README's outputs table lists, with the same secret and optional flags", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Stack outputs"), readme.indexOf("Another Pulumi project"));
    const rows = [...section.matchAll(/^\| `(\w+)`\s*\|([^|]*)\|/gm)].map(([, name, type]) => [
      name!,
      /\(secret[;)]/.test(type!),
      /optional/.test(type!),
    ]);
    assert.deepEqual(
      rows.sort(),
      Object.entries(OUTPUTS)
        .map(([name, o]) => [name, o.secret, "optional" in o && o.optional === true])
        .sort(),
    );
  });
});
