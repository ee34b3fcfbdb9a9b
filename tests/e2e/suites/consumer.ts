import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { containerNames, domain, localStack, ports, project, repo } from "@scaibu/observability-devkit";
import { health } from "../shell";
import {
  assertNoChanges,
  https,
  live,
  log,
  promQueryAnswers,
  stackName,
  state,
  traceInJaeger,
  waiting,
} from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function consumerSuite(): void {
  describe("a consumer stack routed by this one", () => {
    it("serves a consumer stack (examples/app-stack) and refuses, naming it, to destroy a network it uses", async () => {
      const image = await waiting.appImage;
      const appName = `app-${process.pid}`;
      const app = await localStack(appName, state, join(repo, "examples/app-stack"));
      await app.setAllConfig({
        "scaibu-app-stack:observabilityStack": { value: `organization/${project}/${stackName}` },
        "scaibu-app-stack:image": { value: image },
      });
      try {
        const up = await app.up({ onOutput: log });
        assert.equal(up.outputs.url!.value, `https://${domain}.app:${ports.https}`);
        const run = `consumer-${process.pid}`;
        const r = await https("app", `/?run=${run}`);
        assert.equal(r.status, 200, r.body);
        const { traceId } = JSON.parse(r.body) as { traceId: string };
        await Promise.all([
          traceInJaeger("the app's trace in Jaeger, by id", traceId, 2, "app-demo"),
          promQueryAnswers("the app's counter in Prometheus", `sum(app_demo_requests_total{run="${run}"})`, "1"),
        ]);

        await app.destroy({ onOutput: log });
        await assertNoChanges("preview"); // the consumer's destroy left the observability stack as it was

        await app.up({ onOutput: log });
        // With the app still attached, destroying the observability stack stops at its network guard.
        await assert.rejects(live.stack.destroy({ onOutput: log }), (err: Error) => {
          assert.match(err.message, new RegExp(`is still used by ${appName}-app, which this stack did not create`));
          assert.doesNotMatch(err.message, /timeout while waiting for state/);
          return true;
        });
        // The guards are checked before anything is removed: the refused destroy left the stack running.
        for (const name of containerNames) assert.equal(await health(name), "healthy", `${name} after the refusal`);
      } finally {
        await app.destroy({ onOutput: log });
        await app.workspace.removeStack(appName);
      }
    });
  });
}
