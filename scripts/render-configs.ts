/**
 * Writes what the program deploys, via the same renderAll(), for the real validators
 * (scripts/validate-configs.sh): <out>/<variant>/<service>/<path in the container>.
 * Variants cover both sides of each switch that changes a config's shape.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { renderAll } from "../components/render";
import { parseSettings } from "../components/settings";

const VARIANTS: Record<string, Record<string, unknown>> = {
  // Defaults: docker logs on, badger; plus an attribute so the resource processor has input.
  default: { resourceAttributes: { "deployment.environment": "validate" } },
  // The other side: no docker logs or host metrics, in-memory Jaeger, memory queues, no auth.
  plain: {
    collectDockerLogs: false,
    hostMetrics: { enabled: false, containers: false },
    jaeger: { storage: "memory" },
    collector: { persistentQueue: false },
    auth: { enabled: false },
  },
};

const out = process.argv[2];
if (!out) throw new Error("usage: render-configs.ts <out dir>");
for (const [variant, raw] of Object.entries(VARIANTS)) {
  const rendered = renderAll(parseSettings(raw), "scaibu-observability/validate");
  for (const [service, r] of Object.entries(rendered)) {
    for (const f of r.files) {
      const p = join(out, variant, service, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content, { mode: 0o644 });
    }
  }
}
