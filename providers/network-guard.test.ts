/**
 * The network guard's check against a stand-in Docker API (packages/devkit fakeDocker; the e2e
 * tier runs it against the real engine with a real consumer): containers of other stacks are
 * named, the stack's own and containers removed meanwhile are not, a network that is gone blocks
 * nothing, and an engine that cannot be reached is an error, never a pass. No `docker` CLI is used.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { foreignContainers, NETWORK_GUARD_TYPE, refuseIfUsed } from "./network-guard";
import { guardProvider } from "./plugin/guard-provider";
import { routeByType } from "./plugin/route";

let engine: FakeDocker;
const savedPath = process.env.PATH;

before(async () => {
  engine = await fakeDocker({
    "/networks/net-used": {
      Containers: { a: { Name: "own" }, b: { Name: "app-1" }, c: { Name: "vanished" }, d: { Name: "other" } },
    },
    "/containers/own/json": { Config: { Labels: { "io.scaibu.stack": "p/s" } } },
    "/containers/app-1/json": { Config: { Labels: {} } },
    "/containers/other/json": { Config: { Labels: { "io.scaibu.stack": "p/other" } } },
    "/networks/net-own": { Containers: { a: { Name: "own" } } },
    // A swarm overlay: the engine's own container, a consumer's on node 2, the stack's service and another's.
    "/networks/net-overlay": {
      Containers: { a: { Name: "own" } },
      Services: {
        "": {
          Tasks: [
            { Name: "own", Info: { "Host IP": "10.0.0.1" } },
            { Name: "consumer-on-node-2", Info: { "Host IP": "10.0.0.2" } },
          ],
        },
        "sw-node-metrics": { Tasks: [{ Name: "sw-node-metrics.x.y", Info: { "Host IP": "10.0.0.2" } }] },
        "app-svc": { Tasks: [{ Name: "app-svc.1.z", Info: null }] },
      },
    },
    "/services/sw-node-metrics": { Spec: { Labels: { "io.scaibu.stack": "p/s" } } },
    "/services/app-svc": { Spec: { Labels: {} } },
  });
  process.env.PATH = "/nonexistent"; // no docker CLI to fall back on
});
after(async () => {
  process.env.PATH = savedPath;
  await engine.close();
});

describe("network guard", () => {
  it("names the attached containers that are not this stack's, sorted, through the Docker API", async () => {
    assert.deepEqual(await foreignContainers(engine.endpoint, "net-used", "p/s"), ["app-1", "other"]);
    assert.ok(engine.asked.includes("/networks/net-used?verbose=true"), engine.asked.join(" "));
  });

  it("names, on a swarm overlay, a container another node attached and a service not this stack's", async () => {
    assert.deepEqual(await foreignContainers(engine.endpoint, "net-overlay", "p/s"), [
      "consumer-on-node-2 (on 10.0.0.2)",
      "service app-svc",
    ]);
  });

  it("lets a network that is already gone be deleted", async () => {
    assert.deepEqual(await foreignContainers(engine.endpoint, "net-gone", "p/s"), []);
  });

  it("refuses when the engine cannot be reached, naming it", async () => {
    await assert.rejects(
      foreignContainers("unix:///nonexistent/docker.sock", "net-used", "p/s"),
      /the Docker engine at unix:\/\/\/nonexistent\/docker\.sock could not be asked for \/networks\/net-used/,
    );
    await assert.rejects(foreignContainers("tcp://127.0.0.1:1", "net-used", "p/s"), /tcp:\/\/127\.0\.0\.1:1/);
  });
});

describe("network guard provider (the scaibu plugin)", () => {
  const urn = `urn:pulumi:s::p::scaibu:observability:ObservabilityStack$scaibu:observability:NetworkGuards$${NETWORK_GUARD_TYPE}::g`;
  const props = () => ({
    networks: ["net-own", "net-used", "net-gone"],
    stackLabel: "p/s",
    dockerHost: engine.endpoint,
  });

  it("refuses a delete while another stack's containers use any of its networks, naming network and containers", async () => {
    await assert.rejects(
      guardProvider.delete!("p/s", urn, props()),
      /^Error: network net-used is still used by app-1, other, which this stack did not create\. Destroy the stack they belong to/,
    );
  });

  it("lets a delete through when only the stack's own containers remain", async () => {
    await guardProvider.delete!("p/s", urn, { ...props(), networks: ["net-own", "net-gone"] });
  });

  it("refuses when the engine cannot be reached, never passing", async () => {
    await assert.rejects(
      refuseIfUsed({ ...props(), dockerHost: "unix:///nonexistent/docker.sock" }),
      /cannot check who still uses network net-own: .*unix:\/\/\/nonexistent\/docker\.sock/,
    );
  });

  it("checks on update only the networks the stack stops managing", async () => {
    const olds = props();
    // net-used stays: the foreign containers on it are not in the way of this update.
    assert.deepEqual(await guardProvider.update!("p/s", urn, olds, { ...olds, networks: ["net-used"] }), {
      outs: { ...olds, networks: ["net-used"] },
    });
    await assert.rejects(
      guardProvider.update!("p/s", urn, olds, { ...olds, networks: ["net-own"] }),
      /network net-used is still used by app-1, other/,
    );
  });

  it("diffs by value and never replaces; serves no other type", async () => {
    assert.deepEqual(await guardProvider.diff!("p/s", urn, props(), props()), { changes: false, replaces: [] });
    assert.deepEqual(await guardProvider.diff!("p/s", urn, props(), { ...props(), networks: ["net-own"] }), {
      changes: true,
      replaces: [],
    });
    await assert.rejects(
      routeByType().check!(urn.replace(NETWORK_GUARD_TYPE, "scaibu:docker:Other"), {}, props()),
      /no resource type scaibu:docker:Other/,
    );
  });
});
