/** The check of networks a plan replaces, against a stand-in Docker API (packages/devkit fakeDocker). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { type PlannedNetwork, replacementProblems } from "./network-replacement";
import { plannedNetworks } from "../settings/networks";
import { parseSettings } from "../settings/schema";

let engine: FakeDocker;
before(async () => {
  engine = await fakeDocker({
    "/networks/obs": {
      Driver: "bridge",
      IPAM: { Config: [{ Subnet: "10.1.0.0/24" }] },
      Containers: { a: { Name: "own" }, b: { Name: "consumer" } },
    },
    "/networks/quiet": { Driver: "bridge", IPAM: { Config: [] }, Containers: { a: { Name: "own" } } },
    "/containers/own/json": { Config: { Labels: { "io.scaibu.stack": "p/s" } } },
    "/containers/consumer/json": { Config: { Labels: {} } },
  });
});
after(() => engine.close());

const plan = (over: Partial<PlannedNetwork>): PlannedNetwork => ({
  name: "obs",
  driver: "bridge",
  driverKey: 'scaibu-observability:fleet.mode = "single"',
  subnet: "10.1.0.0/24",
  subnetKey: "scaibu-observability:networks.observability.subnet",
  ...over,
});

describe("networks the plan replaces", () => {
  it("refuses a driver change while another stack's container uses the network, naming key, network and container", async () => {
    const [problem, ...more] = await replacementProblems(
      engine.endpoint,
      [plan({ driver: "overlay", driverKey: 'scaibu-observability:fleet.mode = "swarm"' })],
      "p/s",
    );
    assert.equal(more.length, 0);
    assert.equal(
      problem,
      'scaibu-observability:fleet.mode = "swarm" makes network obs an overlay (it is a bridge now), which replaces it, ' +
        "but consumer uses it, which this stack did not create: stop them or `docker network disconnect obs <container>`, then run again",
    );
  });

  it("refuses a subnet change the same way, naming the subnet key", async () => {
    const [problem] = await replacementProblems(engine.endpoint, [plan({ subnet: "10.2.0.0/24" })], "p/s");
    assert.match(
      problem!,
      /^scaibu-observability:networks\.observability\.subnet = "10\.2\.0\.0\/24" moves network obs \(its subnet is 10\.1\.0\.0\/24 now\)/,
    );
  });

  it("lets through what replaces nothing, a network only this stack uses, and one not created yet", async () => {
    assert.deepEqual(await replacementProblems(engine.endpoint, [plan({})], "p/s"), []);
    assert.deepEqual(
      await replacementProblems(
        engine.endpoint,
        [plan({ name: "quiet", driver: "overlay", subnet: undefined })],
        "p/s",
      ),
      [],
    );
    assert.deepEqual(await replacementProblems(engine.endpoint, [plan({ name: "new", driver: "overlay" })], "p/s"), []);
  });

  it("plans the stack's networks from the settings: overlays in a swarm, the subnet on observability alone", () => {
    const swarm = plannedNetworks(parseSettings({ fleet: { mode: "swarm" }, platformNetworks: false }));
    assert.deepEqual(swarm, [
      {
        name: "scaibu-observability-network",
        driver: "overlay",
        driverKey: 'scaibu-observability:fleet.mode = "swarm"',
        subnet: "172.28.0.0/16",
        subnetKey: "scaibu-observability:networks.observability.subnet",
      },
    ]);
    const single = plannedNetworks(parseSettings({}));
    assert.equal(single.length, 5);
    assert.ok(single.every((n) => n.driver === "bridge"));
  });
});
