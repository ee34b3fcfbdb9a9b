/** No silent data loss from config: each key that drops a volume is named at preview (settings/data-loss.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dataAtRisk, declaredVolumes } from "./data-loss";
import { parseSettings } from "./schema";

/** What this stack has on the engine after a default deploy. */
const deployed = declaredVolumes(parseSettings({}));

describe("data-loss check", () => {
  it("declares the six default volumes, and finds nothing at risk while they stay declared", () => {
    assert.deepEqual(deployed, [
      "scaibu-alertmanager-data",
      "scaibu-grafana-data",
      "scaibu-jaeger-data",
      "scaibu-loki-data",
      "scaibu-otel-queue",
      "scaibu-prometheus-data",
    ]);
    assert.deepEqual(dataAtRisk(parseSettings({}), deployed), []);
  });

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "a disabled service",
      { services: { grafana: { enabled: false } } },
      "scaibu-grafana-data",
      /:services\.grafana\.enabled = false: the next up deletes Docker volume scaibu-grafana-data/,
    ],
    [
      "the persistent queue off",
      { collector: { persistentQueue: false } },
      "scaibu-otel-queue",
      /:collector\.persistentQueue = false: the next up deletes Docker volume scaibu-otel-queue/,
    ],
    [
      "Jaeger in memory",
      { jaeger: { storage: "memory" } },
      "scaibu-jaeger-data",
      /:jaeger\.storage = "memory": the next up deletes Docker volume scaibu-jaeger-data/,
    ],
    [
      "a new instanceName",
      { instanceName: "other" },
      "scaibu-loki-data",
      /:instanceName = "other" \(was "scaibu"\): the next up deletes Docker volume scaibu-loki-data/,
    ],
  ];
  for (const [what, raw, volume, message] of cases) {
    it(`names the key and the volume for ${what}, and lets keepDataVolumes or acceptDataLoss through`, () => {
      const issues = dataAtRisk(parseSettings(raw), deployed);
      assert.ok(
        issues.some((i) => message.test(i)),
        issues.join("\n"),
      );
      assert.ok(issues.every((i) => /keepDataVolumes = true|acceptDataLoss/.test(i)));
      assert.deepEqual(dataAtRisk(parseSettings({ ...raw, keepDataVolumes: true }), deployed), []);
      const accepted = dataAtRisk(parseSettings({ ...raw, acceptDataLoss: [volume] }), deployed);
      assert.ok(!accepted.some((i) => i.includes(` ${volume} `)), accepted.join("\n"));
    });
  }

  it("refuses moving Jaeger off the manager even with keepDataVolumes, naming the key and the volume, until accepted", () => {
    const placed = {
      fleet: { mode: "swarm", backendPlacement: ["node.labels.scaibu.data==true"] },
      keepDataVolumes: true,
    };
    const issues = dataAtRisk(parseSettings(placed), deployed);
    assert.equal(issues.length, 1, issues.join("\n"));
    assert.match(
      issues[0]!,
      /:fleet\.backendPlacement = \["node\.labels\.scaibu\.data==true"\]: moves its service off this manager, and its data in Docker volume scaibu-jaeger-data does not go with it/,
    );
    assert.deepEqual(dataAtRisk(parseSettings({ ...placed, acceptDataLoss: ["scaibu-jaeger-data"] }), deployed), []);
    // Only the moved volume: keepDataVolumes still covers the rest.
    const more = dataAtRisk(parseSettings({ ...placed, services: { grafana: { enabled: false } } }), deployed);
    assert.deepEqual(
      more.map((i) => /volume (\S+)/.exec(i)![1]),
      ["scaibu-jaeger-data"],
    );
  });

  it("validates acceptDataLoss as Docker volume names", () => {
    assert.throws(
      () => parseSettings({ acceptDataLoss: ["no spaces allowed"] }),
      /acceptDataLoss\.0 = "no spaces allowed"/,
    );
  });
});
