/** The swarm-manager check of fleet.mode swarm against a stand-in Docker API (packages/devkit fakeDocker). */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { swarmFacts } from "./swarm-manager";

let engine: FakeDocker | undefined;
afterEach(() => engine?.close());
const withInfo = async (info: object) => {
  engine = await fakeDocker({ "/info": info, "/services": [] });
  return (await swarmFacts(engine.endpoint, "p/s")).problem;
};

describe("fleet.mode swarm needs a Swarm manager", () => {
  it("passes a manager", async () => {
    assert.equal(await withInfo({ Swarm: { LocalNodeState: "active", ControlAvailable: true } }), undefined);
  });

  it("refuses an engine outside a swarm, naming the key and what to do", async () => {
    const problem = await withInfo({ Swarm: { LocalNodeState: "inactive", ControlAvailable: false } });
    assert.match(
      problem!,
      /^scaibu-observability:fleet\.mode = "swarm": .* is not in a swarm \(inactive\); point docker:host at a manager/,
    );
  });

  it("refuses a worker", async () => {
    const problem = await withInfo({ Swarm: { LocalNodeState: "active", ControlAvailable: false } });
    assert.match(problem!, /a swarm worker, not a manager/);
  });

  it("gives a manager's node id and this stack's services, asked by its label", async () => {
    engine = await fakeDocker({
      "/info": { Swarm: { LocalNodeState: "active", ControlAvailable: true, NodeID: "n1" } },
      "/services": [{ Spec: { Name: "scaibu-jaeger" } }],
    });
    assert.deepEqual(await swarmFacts(engine.endpoint, "p/s"), { nodeId: "n1", services: ["scaibu-jaeger"] });
    assert.ok(
      engine.asked.some((a) => a.startsWith("/services?") && decodeURIComponent(a).includes('"io.scaibu.stack=p/s"')),
      engine.asked.join(),
    );
  });

  it("says so when the engine cannot be asked", async () => {
    await assert.rejects(swarmFacts("unix:///nonexistent/docker.sock", "p/s"), /could not be asked for \/info/);
  });
});
