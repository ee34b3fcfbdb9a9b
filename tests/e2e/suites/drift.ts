import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { domain, project } from "@scaibu/observability-devkit";
import { health, sh } from "../shell";
import { assertNoChanges, live, log } from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function driftSuite(): void {
  describe("drift: no-op preview and up, targeted replacement, refresh", () => {
    it("changes nothing on a second preview and up (after the daemon restart, where it ran)", async () => {
      await assertNoChanges("preview");
      await assertNoChanges("up");
    });

    it("replaces only Loki's container when only Loki's config changes", async () => {
      const key = `${project}:loki`;
      const before = await live.stack.getConfig(key).catch(() => undefined);
      await live.stack.setConfig(key, { value: JSON.stringify({ retentionHours: 744 }) });
      const touched: string[] = [];
      try {
        await live.stack.preview({
          onEvent: (e) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && m.op !== "same" && m.op !== "read") touched.push(`${m.op} ${m.type} ${m.urn.split("::").pop()}`);
          },
        });
      } finally {
        if (before) await live.stack.setConfig(key, before);
        else await live.stack.removeConfig(key);
      }
      // The dynamic-resource provider (the network guards) is handed the stack's config, so any config
      // change updates it; it replaces nothing.
      const replaced = touched.filter(
        (t) => !t.startsWith("update pulumi:pulumi:Stack") && t !== "update pulumi:providers:pulumi-nodejs default",
      );
      assert.ok(replaced.length > 0, "the change must show up");
      for (const t of replaced) assert.match(t, /observability-loki-service$/, `unexpected change: ${t}`);
    });

    it("restores a container removed behind its back with up --refresh", async () => {
      await sh("docker", ["rm", "-f", `${domain}.loki`]);
      const result = await live.stack.up({ refresh: true, onOutput: log });
      assert.equal(result.summary.result, "succeeded");
      // Only Loki's container comes back; nothing else is touched (after the daemon restart above
      // too, which made the engine fill in the network's gateway).
      const changes = Object.entries(result.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && n > 0);
      assert.deepEqual(changes, [["create", 1]]);
      assert.equal(await health(`${domain}.loki`), "healthy");
    });
  });
}
