/**
 * pulumi-main.js defers the SDK's closure code paths (packages/loader/defer-code-paths.js): the
 * SDK loads without npm's arborist, and the deferred functions still work when called.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { repo } from "@scaibu/observability-devkit";

const probe = (body: string) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        "-e",
        `require("@scaibu/observability-loader/defer-code-paths").deferCodePaths(process.cwd());
         const loaded = () => Object.keys(require.cache).some((f) => f.includes("/@npmcli/arborist/"));
         const pulumi = require("@pulumi/pulumi");
         ${body}`,
      ],
      { cwd: repo, encoding: "utf8" },
    ),
  ) as Record<string, unknown>;

describe("SDK loading (pulumi-main.js)", () => {
  it("loads @pulumi/pulumi without npm's arborist", () => {
    assert.deepEqual(probe(`console.log(JSON.stringify({ arborist: loaded() }));`), { arborist: false });
  });

  it("loads the real code paths on their first use", () => {
    const out = probe(
      `const p = require("@pulumi/pulumi/runtime/closure/codePaths").packageArchivePath("node_modules/x", "x");
       console.log(JSON.stringify({ arborist: loaded(), path: p, fn: typeof pulumi.runtime.computeCodePaths }));`,
    );
    assert.equal(out.arborist, true);
    assert.equal(out.fn, "function");
    assert.equal(typeof out.path, "string");
  });
});
