import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ContainerInspect } from "./docker-types";
import { slowestToHealthy, timeToHealthy } from "./time-to-healthy";

const probe = (endSecond: string, exit: number) => ({
  Start: `2026-11-27T10:00:${endSecond}.000000001Z`,
  End: `2026-11-27T10:00:${endSecond}.250123456Z`,
  ExitCode: exit,
});
const container = (name: string, probes: ReturnType<typeof probe>[]) =>
  ({
    Name: `/${name}`,
    State: {
      Status: "running",
      StartedAt: "2026-11-27T10:00:00.000999999Z",
      Health: { Status: "healthy", Log: probes },
    },
  }) as unknown as ContainerInspect;

describe("a service's own time to healthy (benchmark)", () => {
  it("runs from the container's start to the end of its first passing probe", () => {
    const c = container("a", [probe("01", 1), probe("02", 1), probe("03", 0), probe("13", 0)]);
    assert.equal(timeToHealthy(c), 3.25);
  });

  it("is unknown when the oldest of five kept probes already passed", () => {
    const five = ["10", "20", "30", "40", "50"].map((s) => probe(s, 0));
    assert.equal(timeToHealthy(container("a", five)), undefined);
    assert.equal(timeToHealthy(container("a", five.slice(1))), 20.25);
  });

  it("names the slowest container, and gives up when one is unknown", () => {
    const fast = container("fast", [probe("01", 0)]);
    const slow = container("slow", [probe("01", 1), probe("04", 0)]);
    assert.deepEqual(slowestToHealthy([fast, slow]), { name: "slow", seconds: 4.25 });
    assert.equal(slowestToHealthy([fast, container("never", [probe("01", 1)])]), undefined);
  });
});
