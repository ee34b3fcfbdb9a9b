/** Finding the backends to back up, against a stand-in Docker API (packages/devkit fakeDocker). */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import Docker from "dockerode";
import { failing, fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { STACK_LABEL } from "@scaibu/observability-routing";
import { backendContainers } from "./engine";

let engine: FakeDocker | undefined;
afterEach(() => engine?.close());
const dockerOf = (e: FakeDocker) => new Docker({ socketPath: new URL(e.endpoint).pathname });
const jaegerService = { Spec: { Name: "scaibu-jaeger", Labels: { [STACK_LABEL]: "p/s" } } };

describe("backup: the backends' containers", () => {
  it("refuses, naming it and the --only that leaves it out, a backend that runs as a Swarm service", async () => {
    engine = await fakeDocker({ "/services/scaibu-jaeger": jaegerService });
    await assert.rejects(
      backendContainers(dockerOf(engine), "scaibu", "p/s"),
      /jaeger runs as Swarm service scaibu-jaeger \(fleet\.mode swarm\).*--only prometheus,loki,grafana,alertmanager/,
    );
    // Left out, the others are looked for (none here) and nothing is refused.
    assert.deepEqual(await backendContainers(dockerOf(engine), "scaibu", "p/s", ["prometheus", "loki"]), []);
  });

  it("passes over a missing backend on an engine outside a swarm (503), asking no service for the others", async () => {
    engine = await fakeDocker({ "/services/scaibu-jaeger": failing(503, "This node is not a swarm manager.") });
    assert.deepEqual(await backendContainers(dockerOf(engine), "scaibu", "p/s"), []);
    assert.deepEqual(
      engine.asked.filter((a) => a.startsWith("/services/")),
      ["/services/scaibu-jaeger"],
    );
  });

  it("passes over another stack's service of the same name, and no backend at all", async () => {
    engine = await fakeDocker({
      "/services/scaibu-jaeger": { Spec: { Name: "scaibu-jaeger", Labels: { [STACK_LABEL]: "other/s" } } },
    });
    assert.deepEqual(await backendContainers(dockerOf(engine), "scaibu", "p/s"), []);
  });
});
