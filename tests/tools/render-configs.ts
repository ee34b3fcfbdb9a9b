/**
 * Writes what the program deploys, via the same renderAll(), for the real validators
 * (tests/tools/validate-configs.sh, toolchain/images/verify-health.sh):
 *   <out>/<variant>/<service>/<path in the container>   every config file
 *   <out>/manifest.json                                  per variant and service: its config
 *                                                        files' paths and its health check
 * so the shell scripts read paths and health commands from here instead of repeating them.
 * Variants cover both sides of each switch that changes a config's shape.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { nodeAgentKinds, renderAll, renderLogAgent, renderNodeAgent, renderNodeProxy } from "../../configs/render";
import { parseSettings } from "../../settings/schema";

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
  // A swarm: the collector as the node agents' gateway (mTLS receiver), and the agents' config.
  swarm: { fleet: { mode: "swarm" } },
};

const out = process.argv[2];
if (!out) throw new Error("usage: render-configs.ts <out dir>");
const manifest: Record<string, Record<string, { files: string[]; command: string[]; healthcheck: string[] }>> = {};
for (const [variant, raw] of Object.entries(VARIANTS)) {
  manifest[variant] = {};
  const settings = parseSettings(raw);
  const logAgent = renderLogAgent(settings);
  const nodeProxy = renderNodeProxy(settings);
  const rendered = {
    ...renderAll(settings, "scaibu-observability/validate"),
    ...(logAgent ? { otelLogs: logAgent } : {}),
    ...(nodeProxy ? { "node-api": nodeProxy } : {}),
    ...Object.fromEntries(
      nodeAgentKinds(settings).map((k) => [`node-${k}`, renderNodeAgent(settings, "scaibu-observability/validate", k)]),
    ),
  };
  for (const [service, r] of Object.entries(rendered)) {
    manifest[variant][service] = {
      files: r.files.map((f) => f.path),
      command: r.command,
      healthcheck: r.healthcheck.test,
    };
    for (const f of r.files) {
      const p = join(out, variant, service, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content, { mode: 0o644 });
    }
  }
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2));
