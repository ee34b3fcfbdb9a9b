/**
 * The fleet rows of `npm run status` against a stand-in Docker API (packages/devkit fakeDocker):
 * a missing agent is named with its node, a drained node is not counted, and an engine that is not
 * a swarm manager gives no rows. The swarm tier runs the same code against a real swarm.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { fleetRows } from "./fleet";

const node = (id: string, hostname: string, availability = "active", state = "ready") => ({
  ID: id,
  Description: { Hostname: hostname },
  Spec: { Availability: availability },
  Status: { State: state },
});
const task = (service: string, nodeId: string, state = "running") => ({
  ServiceID: service,
  NodeID: nodeId,
  Status: { State: state },
});
const manager = { Swarm: { LocalNodeState: "active", ControlAvailable: true } };
const services = [
  { ID: "m", Spec: { Name: "sw-node-metrics" } },
  { ID: "l", Spec: { Name: "sw-node-logs" } },
  { ID: "p", Spec: { Name: "sw-node-api" } },
  { ID: "x", Spec: { Name: "someone-else" } },
];

let engine: FakeDocker | undefined;
afterEach(() => engine?.close());

describe("npm run status: the fleet rows", () => {
  it("counts the ready, active nodes with a running agent, and names the ones without", async () => {
    engine = await fakeDocker({
      "/info": manager,
      "/services": services,
      "/nodes": [
        node("n1", "node-1"),
        node("n2", "node-2"),
        node("n3", "node-3", "drain"),
        node("n4", "node-4", "active", "down"),
      ],
      "/tasks": [
        task("m", "n1"),
        task("m", "n2"),
        task("l", "n1"),
        task("l", "n2", "starting"),
        task("x", "n2"),
        task("p", "n1"),
        task("p", "n2"),
      ],
    });
    assert.deepEqual(await fleetRows(engine.endpoint, "sw"), [
      { section: "fleet", what: "sw-node-api", value: "running on 2 of 2 nodes", level: "ok", why: undefined },
      {
        section: "fleet",
        what: "sw-node-logs",
        value: "running on 1 of 2 nodes",
        level: "attention",
        why: "no running task on node-2: docker service ps sw-node-logs",
      },
      { section: "fleet", what: "sw-node-metrics", value: "running on 2 of 2 nodes", level: "ok", why: undefined },
    ]);
    assert.ok(engine.asked.some((p) => p.startsWith("/tasks?") && p.includes("desired-state")));
  });

  it("has nothing to say on an engine that is not a swarm manager, or a stack without agents", async () => {
    engine = await fakeDocker({ "/info": { Swarm: { LocalNodeState: "inactive" } } });
    assert.deepEqual(await fleetRows(engine.endpoint, "sw"), []);
    await engine.close();
    engine = await fakeDocker({ "/info": manager, "/services": services.filter((s) => s.ID === "x") });
    assert.deepEqual(await fleetRows(engine.endpoint, "sw"), []);
  });
});
