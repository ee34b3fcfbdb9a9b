/**
 * The policy pack's stack rule on a real engine: a stack that exports a password in plain text
 * fails its preview, naming that output and not the one exported as a secret. (The container
 * rules run on the real observability stack in lifecycle.test.ts.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { localStack, repo } from "@scaibu/observability-devkit";

const state = mkdtempSync(join(tmpdir(), "scaibu-policy-state-"));
const stackName = `leaky-${process.pid}`;
let stack: Stack | undefined;

describe("policy pack on a real preview", { timeout: 5 * 60 * 1000 }, () => {
  after(async () => {
    if (stack) {
      await stack.destroy().catch(() => undefined);
      await stack.workspace.removeStack(stackName).catch(() => undefined);
    }
    rmSync(state, { recursive: true, force: true });
  });

  it("fails a stack that exports a secret's value in plain text, naming only that output", async () => {
    stack = await localStack(stackName, state, join(repo, "policy/tests/leaky-stack"));
    await stack.up(); // the rule reads deployed outputs
    await assert.rejects(stack.preview({ policyPacks: [join(repo, "policy/analyzer")] }), (err: Error) => {
      assert.match(err.message, /no-secrets-in-plain-outputs/);
      assert.match(err.message, /stack output leaked holds a secret value in plain text/);
      assert.doesNotMatch(err.message, /stack output kept/);
      return true;
    });
  });
});
