import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { renderAll } from "../../configs/render";
import { parseSettings } from "../../settings/schema";
import { ceilingConfig, withCpuTime } from "./ceiling";

describe("bench:load's collector-only ceiling", () => {
  it("keeps the stack's trace processors and swaps every exporter for the debug exporter", () => {
    const stack = `
receivers: { otlp: { protocols: { grpc: { endpoint: 0.0.0.0:4317, auth: { authenticator: bearertokenauth } }, http: {} } } }
processors: { memory_limiter: { limit_mib: 100 }, batch: { timeout: 10s }, resource/stack: { attributes: [] } }
exporters: { otlp_grpc/jaeger: {} }
service:
  telemetry: { metrics: { level: normal } }
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter, resource/stack, batch], exporters: [otlp_grpc/jaeger, spanmetrics] }
    logs: { receivers: [otlp], processors: [batch], exporters: [otlp_grpc/jaeger] }
`;
    const c = parse(ceilingConfig(stack)) as Record<string, Record<string, unknown>>;
    assert.deepEqual(c.receivers, { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" } } } });
    assert.deepEqual(Object.keys(c.processors!), ["memory_limiter", "resource/stack", "batch"]);
    assert.deepEqual(c.exporters, { debug: { verbosity: "basic" } });
    assert.deepEqual(c.service, {
      telemetry: { metrics: { level: "normal" } },
      pipelines: {
        traces: {
          receivers: ["otlp"],
          processors: ["memory_limiter", "resource/stack", "batch"],
          exporters: ["debug"],
        },
      },
    });
  });

  it("reads the stack's own rendered collector config", () => {
    const files = renderAll(parseSettings({}), "p/s").otelCollector?.files ?? [];
    const collector = files.find((f) => f.path.endsWith(".yaml"));
    assert.ok(collector, "the stack renders a collector config");
    const c = parse(ceilingConfig(collector.content)) as {
      service: { pipelines: { traces: { processors: string[] } } };
    };
    assert.ok(c.service.pipelines.traces.processors.includes("batch"));
  });

  it("measures a command's CPU time through bash", async () => {
    const cpu = await withCpuTime("sh", ["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"], 30_000);
    assert.ok(cpu > 0 && cpu < 30, String(cpu));
  });
});
