import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { declared, installMocks, promiseOf, record, resolvedInputs } from "./harness";

installMocks({});

import { loadSettings } from "../../settings/load";
import { ObservabilityStack } from "../../components/stack";
import { dockerVolumeOwnerCheck } from "../../providers/volume-owner";

// A stand-in `docker` CLI: `volume inspect` answers from a fixed table, like the real one.
const bin = mkdtempSync(join(tmpdir(), "scaibu-fake-docker-"));
writeFileSync(
  join(bin, "docker"),
  `#!/bin/sh
name="$5"
case "$name" in
  mine) echo '{"io.scaibu.stack":"p/me"}' ;;
  theirs) echo '{"io.scaibu.stack":"p/other"}' ;;
  unlabelled) echo 'null' ;;
  *) echo "Error response from daemon: get $name: no such volume" >&2; exit 1 ;;
esac
`,
);
chmodSync(join(bin, "docker"), 0o755);
process.env.PATH = `${bin}:${process.env.PATH}`;

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
      "scaibu-grafana-data",
      "scaibu-jaeger-data",
      "scaibu-loki-data",
      "scaibu-otel-queue",
      "scaibu-prometheus-data",
    ]);
  });

  it("adopts nothing but this stack's own volume, or a named former owner's", async () => {
    const check = dockerVolumeOwnerCheck("p/me");
    await check("absent");
    await check("mine");
    await assert.rejects(check("theirs"), /volume theirs already exists and belongs to stack p\/other, not to p\/me/);
    await assert.rejects(check("theirs"), /adoptVolumesFrom to "p\/other"/);
    await assert.rejects(check("unlabelled"), /belongs to no stack of this program/);
    await dockerVolumeOwnerCheck("p/me", "p/other")("theirs");
  });
});
