/**
 * A tiny app on the client: one trace of two spans, a log inside it, a counter and a histogram.
 *
 *   pulumi stack output --json --show-secrets > outputs.json
 *   SCAIBU_STACK_OUTPUTS=outputs.json node -r @scaibu/observability-loader examples/app.ts [run-id]
 *
 * Prints what it sent as JSON, so a test can read it back from Jaeger, Prometheus and Loki.
 */
import { ObservabilityClient } from "../src/index.js";

const run = process.argv[2] ?? String(Date.now());
const client = new ObservabilityClient({ serviceName: "client-demo-node" });
const traceId = client.tracer.startActiveSpan("login_flow", (root) => {
  client.tracer.startActiveSpan("check_password", (child) => {
    client.logInfo("User login", { user: "admin", run });
    child.end();
  });
  client.incrementCounter(1, { route: "/login", run });
  client.recordHistogram(12.5, { route: "/login", run });
  root.end();
  return root.spanContext().traceId;
});
await client.shutdown();
const failures = Object.values(client.exportFailures).reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify({ traceId, spans: 2, run, sentTo: client.settings.endpoint, exportFailures: client.exportFailures }),
);
process.exitCode = failures ? 1 : 0;
