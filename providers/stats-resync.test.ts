/**
 * The docker_stats resync against a stand-in Docker API (packages/devkit fakeDocker): one empty
 * update per container, a container removed meanwhile skipped, an engine that cannot be reached an
 * error. The e2e tier proves on the real engine that the updates reach every stack container and
 * change none of them; tools/docker-stats-race.sh shows the race they close.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { routeByType } from "./plugin/route";
import { announce, STATS_RESYNC_TYPE } from "./stats-resync";

let engine: FakeDocker;
before(async () => {
  engine = await fakeDocker({
    "/containers/c1/update": { Warnings: null },
    "/containers/c2/update": { Warnings: null },
  });
});
after(() => engine.close());

const urn = `urn:pulumi:s::p::scaibu:observability:StatsResync$${STATS_RESYNC_TYPE}::x`;

describe("docker_stats resync", () => {
  it("sends one empty JSON update to each container, and skips one that is gone", async () => {
    engine.requests.length = 0;
    await announce({ containers: ["c1", "gone", "c2"], dockerHost: engine.endpoint });
    assert.deepEqual(engine.requests.map((r) => `${r.method} ${r.path} ${r.body}`).sort(), [
      "POST /containers/c1/update {}",
      "POST /containers/c2/update {}",
      "POST /containers/gone/update {}",
    ]);
  });

  it("fails, naming the engine, when it cannot reach it", async () => {
    await assert.rejects(
      announce({ containers: ["c1"], dockerHost: "unix:///nonexistent/docker.sock" }),
      /the Docker engine at unix:\/\/\/nonexistent\/docker.sock could not be asked/,
    );
  });

  it("runs on create and on a changed container set, not on a no-op, through the plugin's routing", async () => {
    const p = routeByType();
    const props = { containers: ["c1"], dockerHost: engine.endpoint };
    engine.requests.length = 0;
    assert.deepEqual(await p.create!(urn, props), { id: "stats-resync", outs: props });
    assert.deepEqual(await p.diff!("stats-resync", urn, props, props), { changes: false, replaces: [] });
    const replaced = { ...props, containers: ["c2"] };
    assert.deepEqual(await p.diff!("stats-resync", urn, props, replaced), { changes: true, replaces: [] });
    await p.update!("stats-resync", urn, props, replaced);
    await p.delete!("stats-resync", urn, replaced);
    assert.deepEqual(
      engine.requests.map((r) => r.path),
      ["/containers/c1/update", "/containers/c2/update"],
    );
    await assert.rejects(
      async () => p.create!(urn.replace(STATS_RESYNC_TYPE, "scaibu:docker:Other"), props),
      /no resource type scaibu:docker:Other/,
    );
  });
});
