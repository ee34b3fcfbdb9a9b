/**
 * The container/service handover of a swarm's backend against a stand-in Docker API (packages/devkit
 * fakeDocker): what it stops, what it leaves alone (another stack's, nothing running), and through
 * the plugin's routing. The swarm tier proves the switch both ways on the real engine.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { STACK_LABEL } from "@scaibu/observability-routing";
import { handOver, HANDOVER_TYPE, type HandoverProps } from "./handover";
import { routeByType } from "./plugin/route";

let engine: FakeDocker | undefined;
afterEach(() => engine?.close());

const OURS = { [STACK_LABEL]: "p/s" };
const props = (runs: HandoverProps["runs"]): HandoverProps => ({
  runs,
  container: "scaibu.jaeger",
  service: "scaibu-jaeger",
  stackLabel: "p/s",
  dockerHost: engine!.endpoint,
});
const service = (labels: object, replicas = 1) => ({
  ID: "svc1",
  Version: { Index: 7 },
  Spec: { Name: "scaibu-jaeger", Labels: labels, Mode: { Replicated: { Replicas: replicas } } },
});
const calls = () => engine!.requests.filter((r) => r.method === "POST").map((r) => `${r.path} ${r.body}`);

describe("backend handover (fleet.mode switch)", () => {
  it("stops this stack's running container before the service starts", async () => {
    engine = await fakeDocker({
      "/containers/scaibu.jaeger/json": { Config: { Labels: OURS }, State: { Running: true } },
      "/containers/scaibu.jaeger/stop": {},
    });
    assert.deepEqual(await handOver(props("service")), ["container scaibu.jaeger"]);
    assert.deepEqual(calls(), ["/containers/scaibu.jaeger/stop {}"]);
  });

  it("leaves a stopped container, another stack's, and no container at all alone", async () => {
    engine = await fakeDocker({
      "/containers/scaibu.jaeger/json": { Config: { Labels: { [STACK_LABEL]: "other/s" } }, State: { Running: true } },
    });
    assert.deepEqual(await handOver(props("service")), []);
    await engine.close();
    engine = await fakeDocker({ "/containers/scaibu.jaeger/json": { Config: { Labels: OURS }, State: {} } });
    assert.deepEqual(await handOver(props("service")), []);
    await engine.close();
    engine = await fakeDocker({});
    assert.deepEqual(await handOver(props("service")), []);
    assert.deepEqual(calls(), []);
  });

  it("scales this stack's service to no replica at its version, and waits until no task of it runs", async () => {
    engine = await fakeDocker({
      "/services/scaibu-jaeger": service(OURS),
      "/services/svc1/update": {},
      // An older task of an update (shut down, kept for history) does not hold it up.
      "/tasks": [{ DesiredState: "shutdown", Status: { State: "shutdown" } }],
    });
    assert.deepEqual(await handOver(props("container")), ["service scaibu-jaeger"]);
    const [update] = engine.requests.filter((r) => r.method === "POST");
    assert.equal(update!.path, "/services/svc1/update");
    assert.ok(
      engine.asked.some((a) => a === "/services/svc1/update?version=7"),
      engine.asked.join(),
    );
    assert.deepEqual(JSON.parse(update!.body).Mode, { Replicated: { Replicas: 0 } });
    assert.deepEqual(JSON.parse(update!.body).TaskTemplate.Networks, [], "off the overlays a switch replaces");
    assert.equal(JSON.parse(update!.body).Name, "scaibu-jaeger", "the rest of the spec unchanged");
  });

  it("fails, naming the service, when the task it scaled away is not deleted in time", async () => {
    engine = await fakeDocker({
      "/services/scaibu-jaeger": service(OURS),
      "/services/svc1/update": {},
      // Stopped, but not yet deleted by the task reaper: it still holds the overlay.
      "/tasks": [{ DesiredState: "remove", Status: { State: "shutdown" } }],
    });
    await assert.rejects(handOver(props("container"), 1200), /service scaibu-jaeger still has a task/);
  });

  it("leaves another stack's service and one already at zero alone", async () => {
    engine = await fakeDocker({ "/services/scaibu-jaeger": service({ [STACK_LABEL]: "other/s" }) });
    assert.deepEqual(await handOver(props("container")), []);
    await engine.close();
    engine = await fakeDocker({ "/services/scaibu-jaeger": service(OURS, 0) });
    assert.deepEqual(await handOver(props("container")), []);
    assert.deepEqual(calls(), []);
  });

  it("acts on create and on a changed target, not on a no-op, through the plugin's routing", async () => {
    engine = await fakeDocker({});
    const p = routeByType();
    const urn = `urn:pulumi:s::p::scaibu:observability:Service$${HANDOVER_TYPE}::x`;
    const before = props("container");
    assert.deepEqual(await p.create!(urn, before), { id: "handover", outs: before });
    assert.deepEqual(await p.diff!("handover", urn, before, before), { changes: false, replaces: [] });
    const after = props("service");
    assert.deepEqual(await p.diff!("handover", urn, before, after), { changes: true, replaces: [] });
    await p.update!("handover", urn, before, after);
    assert.deepEqual(
      engine.requests.map((r) => `${r.method} ${r.path}`),
      ["GET /services/scaibu-jaeger", "GET /containers/scaibu.jaeger/json"],
    );
  });
});
