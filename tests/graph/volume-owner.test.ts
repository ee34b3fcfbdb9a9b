import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { declared, installMocks, promiseOf, record, resolvedInputs } from "./harness";

installMocks({});

import { loadSettings } from "../../settings/load";
import { ObservabilityStack } from "../../components/stack";
import { dockerVolumeOwnerCheck } from "../../providers/volume-owner";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";

// A stand-in engine: `GET /volumes/<name>` answers from a fixed table, like dockerd.
let engine: FakeDocker;
before(async () => {
  engine = await fakeDocker({
    "/volumes/mine": { Name: "mine", Labels: { "io.scaibu.stack": "p/me" } },
    "/volumes/theirs": { Name: "theirs", Labels: { "io.scaibu.stack": "p/other" } },
    "/volumes/unlabelled": { Name: "unlabelled", Labels: null },
  });
});
after(() => engine.close());

const checked: string[] = [];
before(async () => {
  const stack = new ObservabilityStack(
    "observability",
    {
      settings: loadSettings(),
      stackLabel: "scaibu-observability/unit",
      checkVolume: async (name) => {
        checked.push(name);
      },
    },
    { transformations: [record] },
  );
  await promiseOf(stack.urn);
  for (const v of declared.filter((d) => d.type === "docker:index/volume:Volume")) await resolvedInputs(v);
});

describe("data volume owner check", () => {
  it("runs on every data volume's name before the volume is declared", () => {
    assert.deepEqual(checked.sort(), [
      "scaibu-alertmanager-data",
      "scaibu-grafana-data",
      "scaibu-jaeger-data",
      "scaibu-loki-data",
      "scaibu-otel-queue",
      "scaibu-prometheus-data",
    ]);
  });

  it("adopts nothing but this stack's own volume, or a named former owner's", async () => {
    const check = dockerVolumeOwnerCheck(engine.endpoint, "p/me");
    await check("absent");
    await check("mine");
    await assert.rejects(check("theirs"), /volume theirs already exists and belongs to stack p\/other, not to p\/me/);
    await assert.rejects(check("theirs"), /adoptVolumesFrom to "p\/other"/);
    await assert.rejects(check("unlabelled"), /belongs to no stack of this program/);
    await dockerVolumeOwnerCheck(engine.endpoint, "p/me", "p/other")("theirs");
  });

  it("stops the program, naming the engine, when it cannot ask it", async () => {
    await assert.rejects(
      dockerVolumeOwnerCheck("unix:///nonexistent/docker.sock", "p/me")("mine"),
      /cannot check who owns Docker volume mine: the Docker engine at unix:\/\/\/nonexistent\/docker\.sock/,
    );
  });
});
