/** The Node client against a local OTLP receiver: what arrives, with which ids and attributes. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { ConfigError, ObservabilityClient, type ObservabilityClientOptions } from "../src/index.js";
import { attrs, Receiver } from "./receiver.js";

let receiver: Receiver;
beforeEach(async () => {
  receiver = await new Receiver().start();
});
afterEach(() => receiver.stop());

// A long export interval: only forceFlush or shutdown may send the metrics.
const make = (o: ObservabilityClientOptions = {}) =>
  new ObservabilityClient({
    serviceName: "node-test",
    endpoint: receiver.url,
    exportIntervalMs: 3_600_000,
    timeoutMs: 2_000,
    ...o,
  });

test("logs carry the trace and span id of the current span", async () => {
  const client = make();
  const ids = client.tracer.startActiveSpan("login_flow", (span) => {
    client.logInfo("User login", { user: "admin" });
    span.end();
    return span.spanContext();
  });
  client.logWarning("outside any span");
  await client.shutdown();

  const [inside, outside] = receiver.logRecords();
  assert.equal(inside.traceId, ids.traceId);
  assert.equal(inside.spanId, ids.spanId);
  assert.deepEqual(inside.body, { stringValue: "User login" });
  assert.equal(inside.severityText, "INFO");
  assert.deepEqual(attrs(inside.attributes), { user: "admin" });
  assert.ok(!outside.traceId, "a log outside any span has no trace id");
  assert.equal(outside.severityText, "WARN");
  const [span] = receiver.spans();
  assert.equal(span.name, "login_flow");
  assert.equal(span.traceId, ids.traceId);
});

test("counter and histogram keep their attributes; the resource names the service", async () => {
  const client = make();
  client.incrementCounter(1, { route: "/login" });
  client.incrementCounter(2, { route: "/login" });
  client.incrementCounter(5, { route: "/logout" }, "logouts");
  client.recordHistogram(12.5, { route: "/login" });
  await client.shutdown();

  const byName = Object.fromEntries(receiver.metrics().map((m) => [m.name, m as Record<string, never>]));
  assert.deepEqual(Object.keys(byName).sort(), ["app.duration", "app.events", "logouts"]);
  const points = byName["app.events"].sum as {
    dataPoints: { asDouble?: number; asInt?: number; attributes: never }[];
    isMonotonic: boolean;
  };
  assert.equal(points.isMonotonic, true);
  assert.deepEqual(
    points.dataPoints.map((p) => [attrs(p.attributes).route, p.asDouble ?? Number(p.asInt)]),
    [["/login", 3]],
  );
  const [h] = (byName["app.duration"].histogram as { dataPoints: { count: number; sum: number }[] }).dataPoints;
  assert.equal(Number(h.count), 1);
  assert.equal(h.sum, 12.5);
  for (const r of receiver.resources()) assert.equal(attrs(r.attributes)["service.name"], "node-test");
});

test("shutdown flushes everything and can be called twice", async () => {
  const client = make();
  for (let i = 0; i < 50; i++) {
    client.tracer.startActiveSpan(`span ${i}`, (span) => {
      client.logError(`log ${i}`);
      span.end();
    });
  }
  client.incrementCounter();
  assert.equal(receiver.requests.length, 0, "batching: nothing is sent before a flush");
  await Promise.all([client.shutdown(), client.shutdown()]);
  assert.equal(receiver.spans().length, 50);
  assert.equal(receiver.logRecords().length, 50);
  assert.deepEqual(
    receiver.metrics().map((m) => m.name),
    ["app.events"],
  );
});

test("network errors never throw and are counted", async () => {
  const port = await new Promise<number>((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
  const client = make({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 300 });
  client.tracer.startActiveSpan("lost", (span) => {
    client.logInfo("lost");
    span.end();
  });
  client.incrementCounter();
  await client.shutdown();
  assert.deepEqual(client.exportFailures, { traces: 1, metrics: 1, logs: 1 });
});

test("a 4xx from the collector is counted, not thrown", async () => {
  receiver.status = 400;
  const client = make();
  client.logInfo("rejected");
  await client.shutdown();
  assert.equal(client.exportFailures.logs, 1);
});

const OUTPUTS = {
  otlp: {
    http: "http://127.0.0.1:4318",
    grpc: "127.0.0.1:4317",
    internalHttp: "http://scaibu.otel:4318",
    internalGrpc: "scaibu.otel:4317",
    https: "https://scaibu.otel",
  },
  caCertPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  otlpToken: "s3cret",
};

function withEnv<T>(env: Record<string, string | undefined>, run: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const set = (e: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(e)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  };
  set(env);
  try {
    return run();
  } finally {
    set(saved);
  }
}

test("stack outputs pick the route, the CA and the token", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "scaibu-client-")), "outputs.json");
  writeFileSync(file, JSON.stringify(OUTPUTS));
  const clean = { OTEL_EXPORTER_OTLP_ENDPOINT: undefined, SCAIBU_OTLP_ROUTE: undefined, SCAIBU_STACK_OUTPUTS: file };
  const host = withEnv(clean, () => new ObservabilityClient({ serviceName: "x" }));
  assert.deepEqual(host.settings, {
    endpoint: "http://127.0.0.1:4318",
    headers: { Authorization: "Bearer s3cret" },
    ca: undefined,
    source: "stack outputs",
    route: "host",
  });
  const https = withEnv(clean, () => new ObservabilityClient({ serviceName: "x", route: "https" }));
  assert.equal(https.settings.endpoint, "https://scaibu.otel");
  assert.equal(https.settings.ca, OUTPUTS.caCertPem);
  const internal = withEnv({ ...clean, SCAIBU_OTLP_ROUTE: "internal" }, () => new ObservabilityClient());
  assert.equal(internal.settings.endpoint, "http://scaibu.otel:4318");
  await Promise.all([host.shutdown(), https.shutdown(), internal.shutdown()]);
});

test("the OTEL_* environment comes before the stack outputs", async () => {
  const client = withEnv(
    {
      SCAIBU_STACK_OUTPUTS: "/nonexistent/never-read.json",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: "x-team=platform",
      OTEL_SERVICE_NAME: "from-env",
    },
    () => new ObservabilityClient({ exportIntervalMs: 3_600_000 }),
  );
  assert.equal(client.settings.source, "environment");
  client.logInfo("via env");
  await client.shutdown();
  const [req] = receiver.requests;
  assert.equal(req.headers["x-team"], "platform");
  assert.equal(
    attrs((req.body.resourceLogs[0] as { resource: { attributes: never } }).resource.attributes)["service.name"],
    "from-env",
  );
});

for (const [options, env, named] of [
  [{ route: "ftp" }, {}, "route='ftp'"],
  [{}, { SCAIBU_OTLP_ROUTE: "public" }, "SCAIBU_OTLP_ROUTE='public'"],
  [{ endpoint: "localhost:4318" }, {}, "endpoint='localhost:4318'"],
  [{ exportIntervalMs: 0 }, {}, "exportIntervalMs=0"],
  [{ route: "https", outputs: { otlp: { http: "http://h:4318" } } }, {}, "otlp.https"],
  [{}, { SCAIBU_STACK_OUTPUTS: "/nonexistent.json" }, "SCAIBU_STACK_OUTPUTS='/nonexistent.json'"],
] as [ObservabilityClientOptions, Record<string, string>, string][]) {
  test(`a config mistake names the key and value: ${named}`, () => {
    withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: undefined, SCAIBU_OTLP_ROUTE: undefined, ...env }, () =>
      assert.throws(
        () => new ObservabilityClient({ serviceName: "x", ...options }),
        (e: Error) => {
          assert.ok(e instanceof ConfigError);
          assert.ok(e.message.includes(named), e.message);
          return true;
        },
      ),
    );
  });
}
