/**
 * The network guard's check, with a stub `docker` on PATH (the e2e tier runs it against the real
 * engine with a real consumer): containers of other stacks are named, the stack's own and
 * containers removed meanwhile are not, and a network that is gone blocks nothing.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { foreignContainers } from "./network-guard";

const dir = mkdtempSync(join(tmpdir(), "scaibu-guard-"));
const savedPath = process.env.PATH;

before(() => {
  // network inspect: net-used has three containers, net-gone does not exist. inspect: labels.
  writeFileSync(
    join(dir, "docker"),
    `#!/bin/sh
case "$1 $*" in
  "network "*net-used*) echo '{"a":{"Name":"own"},"b":{"Name":"app-1"},"c":{"Name":"vanished"},"d":{"Name":"other"}}' ;;
  "network "*) echo "Error: No such network" >&2; exit 1 ;;
  "inspect "*own) echo "p/s" ;;
  "inspect "*app-1) echo "" ;;
  "inspect "*other) echo "p/other" ;;
  *) echo "Error: No such object" >&2; exit 1 ;;
esac
`,
  );
  chmodSync(join(dir, "docker"), 0o755);
  process.env.PATH = `${dir}:${savedPath}`;
});
after(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

describe("network guard", () => {
  it("names the attached containers that are not this stack's, sorted", () => {
    assert.deepEqual(foreignContainers("net-used", "p/s"), ["app-1", "other"]);
  });

  it("lets a network that is already gone be deleted", () => {
    assert.deepEqual(foreignContainers("net-gone", "p/s"), []);
  });
});
