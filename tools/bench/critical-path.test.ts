import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { criticalPath, formatPath, shortName } from "./critical-path";

const u = (type: string, name: string) => `urn:pulumi:s::p::scaibu:observability:Stack$${type}::${name}`;
const net = u("docker:index/network:Network", "net");
const img = u("docker:index/remoteImage:RemoteImage", "img");
const a = u("docker:index/container:Container", "a");
const b = u("docker:index/container:Container", "b");
const guard = u("scaibu:docker:NetworkGuard", "guard");

describe("critical path of an up", () => {
  const steps = [
    { urn: net, start: 1.0, end: 3.1 },
    { urn: img, start: 1.0, end: 1.2 },
    { urn: a, start: 3.2, end: 6.0 },
    { urn: b, start: 6.1, end: 9.0 }, // waited for a parallel slot, not for a dependency
    { urn: guard, start: 9.1, end: 9.2 },
  ];
  const deps = { [a]: [net, img], [b]: [net, img], [guard]: [net, a, b] };

  it("walks back from the last step through the dependency that finished last", () => {
    const path = criticalPath(steps, deps);
    assert.deepEqual(
      path.map((p) => p.urn),
      [net, b, guard],
    );
    assert.equal(path[0]!.waited, 1.0);
    assert.ok(Math.abs(path[1]!.waited - 3.0) < 1e-9, "b started 3 s after the network it needs");
  });

  it("names steps by short type and name, and flags waits", () => {
    assert.equal(shortName(a), "docker:Container a");
    assert.equal(shortName(guard), "scaibu:NetworkGuard guard");
    const lines = formatPath(criticalPath(steps, deps), 9.5);
    assert.match(lines[1]!, /docker:Container b {2}\(started 3\.00 s after the step before it\)/);
    assert.match(lines.at(-1)!, /0\.30 s {2}the program's end/);
  });
});
