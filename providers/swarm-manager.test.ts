/** The swarm-manager check of fleet.mode swarm against a stand-in Docker API (packages/devkit fakeDocker). */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { swarmManagerProblem } from "./swarm-manager";

let engine: FakeDocker | undefined;
afterEach(() => engine?.close());
const withInfo = async (info: object) => {
  engine = await fakeDocker({ "/info": info });
  return swarmManagerProblem(engine.endpoint);
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

  it("says so when the engine cannot be asked", async () => {
    await assert.rejects(swarmManagerProblem("unix:///nonexistent/docker.sock"), /could not be asked for \/info/);
  });
});
