import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderAll, renderLogAgent } from "./render";
import { parseSettings } from "../settings/schema";

describe("GOMEMLIMIT", () => {
  const s = parseSettings({});
  const rendered = renderAll(s, "p/s");

  it("gives every Go service a soft limit at 85 % of its memory limit, and the socket proxy (HAProxy) none", () => {
    for (const [k, r] of Object.entries(rendered)) {
      const mb = s.services[k as keyof typeof s.services].memoryMb;
      if (k === "socketProxy") assert.equal(r.env.GOMEMLIMIT, undefined, k);
      else assert.equal(r.env.GOMEMLIMIT, `${Math.floor(mb * 0.85)}MiB`, k);
    }
    assert.equal(rendered.jaeger?.env.GOMEMLIMIT, "870MiB");
  });

  it("follows a changed memory limit, and reaches the log agent too", () => {
    const small = parseSettings({ services: { jaeger: { memoryMb: 256 } } });
    assert.equal(renderAll(small, "p/s").jaeger?.env.GOMEMLIMIT, "217MiB");
    assert.equal(renderLogAgent(s)?.env.GOMEMLIMIT, `${Math.floor(s.collector.logAgentMemoryMb * 0.85)}MiB`);
  });
});
