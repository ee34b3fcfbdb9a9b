import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containerNames, dockerApiNetwork, lokiNetwork, networkNames } from "@scaibu/observability-devkit";
import { lines } from "../shell";
import { live, log, stackLabel } from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function teardownSuite(): void {
  describe("teardown", () => {
    it("destroys every container, network and volume of the stack", async () => {
      await live.stack.destroy({ onOutput: log });
      assert.deepEqual(await lines("docker", ["ps", "-aq", "--filter", `label=io.scaibu.stack=${stackLabel}`]), []);
      assert.deepEqual(
        await lines("docker", ["volume", "ls", "-q", "--filter", `label=io.scaibu.stack=${stackLabel}`]),
        [],
      );
      for (const name of [...networkNames, dockerApiNetwork, lokiNetwork]) {
        assert.deepEqual(await lines("docker", ["network", "ls", "-q", "--filter", `name=^${name}$`]), [], name);
      }
      for (const name of containerNames) {
        assert.deepEqual(await lines("docker", ["ps", "-aq", "--filter", `name=^${name}$`]), [], name);
      }
    });
  });
}
