/**
 * The network guard's check against a stand-in Docker API (tests/support/fake-docker.ts; the e2e
 * tier runs it against the real engine with a real consumer): containers of other stacks are
 * named, the stack's own and containers removed meanwhile are not, a network that is gone blocks
 * nothing, and an engine that cannot be reached is an error, never a pass. No `docker` CLI is used.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fakeDocker, type FakeDocker } from "../tests/support/fake-docker";
import { foreignContainers } from "./network-guard";

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
    assert.ok(engine.asked.includes("/networks/net-used"));
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
