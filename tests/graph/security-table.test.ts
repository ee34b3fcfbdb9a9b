/** docs/security.md's privilege table is what the program deploys (the graph under mocks, defaults). */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMocks, promiseOf, record, securityRows, SWARM_ROW_PREFIX, inputsByName } from "./harness";

installMocks({});

import { ObservabilityStack } from "../../components/stack";
import { loadSettings } from "../../settings/load";

type Row = Record<string, unknown>;
const containers = new Map<string, Row>();

before(async () => {
  const stack = new ObservabilityStack(
    "observability",
    { settings: loadSettings(), stackLabel: "scaibu-observability/unit" },
    { transformations: [record] },
  );
  await promiseOf(stack.urn);
  for (const [name, inputs] of await inputsByName("docker:index/container:Container")) containers.set(name, inputs);
});

/** The containers' rows: container → [user, capabilities, read-only, tmpfs] (a swarm's services: tests/graph/fleet.test.ts). */
function documented(): Map<string, string[]> {
  return new Map([...securityRows()].filter(([name]) => !name.startsWith(SWARM_ROW_PREFIX)));
}

describe("docs/security.md", () => {
  it("has a row for every container, and every row is a container", () => {
    assert.deepEqual([...documented().keys()].sort(), [...containers.keys()].sort());
  });

  it("states each container's user, capabilities, read-only rootfs and tmpfs mounts as deployed", () => {
    for (const [name, [user, caps, ro, tmpfs]] of documented()) {
      const c = containers.get(name)!;
      const adds = (c.capabilities as { adds?: string[] }).adds ?? [];
      const mounts = ((c.mounts ?? []) as { type: string; target: string; readOnly: boolean }[])
        .filter((m) => m.type === "tmpfs")
        .map((m) => `${m.target} (${m.readOnly ? "ro" : "rw"})`);
      assert.deepEqual(
        [c.user, adds.join(", ") || "none", c.readOnly ? "yes" : "no", mounts.join(", ") || "—"],
        [user, caps, ro, tmpfs],
        name,
      );
      assert.deepEqual((c.capabilities as { drops: string[] }).drops, ["ALL"], name);
      assert.deepEqual(c.securityOpts, ["no-new-privileges:true"], name);
    }
  });
});
