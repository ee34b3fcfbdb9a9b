/**
 * `npm run verify`: checks a live stack the way the seed's sections 3-4 describe it. Sends a
 * trace, a counter and a log with the OpenTelemetry SDK to the host OTLP port and through
 * Traefik, reads each back over HTTPS with the stack's CA, and calls every endpoint of the API
 * tables. One row per check; exits 1 on any failure. A check against a placeholder image (the
 * local Loki and Grafana stand-ins) is NOT VERIFIED, never passed.
 *   npm run verify [-- --stack NAME | --outputs outputs.json]
 */
import { randomUUID } from "node:crypto";
import { CATALOG } from "../../configs/catalog";
import { apiCalls, logReadQuery } from "./api-tables";
import { agentOptions, fetchHttps, type Target } from "@scaibu/observability-devkit";
import { readOutputs } from "../outputs";
import { sendTelemetry, VERIFY_SERVICE } from "@scaibu/observability-devkit";

type Result = "ok" | "FAIL" | "NOT VERIFIED (placeholder)" | "not called";
const rows: { what: string; expected: string; got: string; result: Result }[] = [];
const row = (what: string, expected: string, got: string, result: Result) => {
  rows.push({ what, expected, got, result });
  process.stderr.write(`${result.padEnd(26)} ${what}\n`);
};

const out = readOutputs(process.argv.slice(2));
const address = out.etcHosts.split(/\s+/)[0]!;
const urls = out.urls;
const target: Target = { ca: out.caCertPem, address, hosts: Object.values(urls).map((u) => new URL(u).hostname) };
const operator = out.operator;
const run = randomUUID().slice(0, 8);
const started = Date.now();

async function poll<T>(seconds: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const get = (service: string, path: string, auth = operator) => fetchHttps(target, `${urls[service]}${path}`, { auth });

/** The local Loki and Grafana images are placeholders; their build info says so. */
async function placeholder(service: "loki" | "grafana"): Promise<boolean> {
  const path = service === "loki" ? "/loki/api/v1/status/buildinfo" : "/api/health";
  const r = await get(service, path).catch(() => undefined);
  return r !== undefined && /"version":\s*"placeholder"/.test(r.body);
}

async function main(): Promise<number> {
  const fake = { loki: await placeholder("loki"), grafana: await placeholder("grafana") };

  // 1. Send: the host port, and through Traefik with the bearer token.
  const host = await sendTelemetry({ url: out.otlp.http }, run, "host");
  const viaTraefik = out.otlp.https
    ? await sendTelemetry(
        {
          url: out.otlp.https,
          headers: out.otlpToken ? { Authorization: `Bearer ${out.otlpToken}` } : undefined,
          agent: agentOptions(target),
        },
        run,
        "traefik",
      )
    : undefined;

  // 2. Read back over HTTPS through Traefik.
  for (const [via, sent] of [
    ["host", host],
    ["traefik", viaTraefik],
  ] as const) {
    if (!sent) continue;
    const spans = await poll(60, async () => {
      const r = await get("jaeger", `/api/traces/${sent.traceId}`);
      const trace = r.status === 200 ? (JSON.parse(r.body) as { data?: { spans?: unknown[] }[] }) : {};
      const n = trace.data?.[0]?.spans?.length ?? 0;
      return n >= sent.spans ? n : undefined;
    });
    row(`trace via ${via} in Jaeger (by id)`, `${sent.spans} spans`, `${spans ?? 0} spans`, spans ? "ok" : "FAIL");
  }
  const promValue = async (query: string) => {
    const r = await get("prometheus", `/api/v1/query?query=${encodeURIComponent(query)}`);
    const m = /"value":\[[^,]+,"([^"]+)"\]/.exec(r.body);
    return m ? Number(m[1]) : undefined;
  };
  // Polled until the value reaches `min`: a series can appear with 0 before its first increment lands.
  const atLeast = async (what: string, min: number, query: string) => {
    const v = await poll(60, async () => {
      const value = await promValue(query);
      return value !== undefined && value >= min ? value : undefined;
    });
    row(what, `>= ${min}`, String(v ?? "none"), v !== undefined ? "ok" : "FAIL");
  };
  await atLeast("counter in Prometheus", 1, `sum(scaibu_verify_checks_total{run="${run}"})`);
  await atLeast(
    "span metrics in Prometheus",
    3,
    `sum(traces_span_metrics_calls_total{service_name="${VERIFY_SERVICE}"})`,
  );
  // Host and container metrics, where the stack collects them: their alert groups are loaded then.
  const rules = await get("prometheus", "/api/v1/rules?type=alert").catch(() => undefined);
  const groups =
    rules?.status === 200 ? (JSON.parse(rules.body) as { data: { groups: { name: string }[] } }) : undefined;
  const loaded = new Set(groups?.data.groups.map((g) => g.name) ?? []);
  if (loaded.has("scaibu-host")) {
    await atLeast("host CPU series in Prometheus", 1, "count(system_cpu_time_seconds_total)");
    await atLeast("host memory series in Prometheus", 1, "count(system_memory_usage_bytes)");
  } else {
    row("host metrics in Prometheus", "-", "hostMetrics.enabled off", "not called");
  }
  if (loaded.has("scaibu-containers")) {
    // Every routed service is a container of a stack (its io.scaibu.stack label becomes this label).
    await atLeast(
      "stack containers with memory series",
      Object.keys(urls).length,
      'count(container_memory_usage_total_bytes{container_label_io_scaibu_stack!=""})',
    );
  } else {
    row("stack containers with memory series", "-", "hostMetrics.containers off", "not called");
  }
  // Alerting: Prometheus knows the Alertmanager, it is ready, and the Watchdog fires there.
  if (urls.alertmanager) {
    const active = await poll(60, async () => {
      const r = await get("prometheus", "/api/v1/alertmanagers");
      const n =
        r.status === 200
          ? (JSON.parse(r.body) as { data: { activeAlertmanagers: unknown[] } }).data.activeAlertmanagers.length
          : 0;
      return n > 0 ? n : undefined;
    });
    row("Alertmanager active in Prometheus", ">= 1", String(active ?? 0), active ? "ok" : "FAIL");
    const ready = await get("alertmanager", "/-/ready");
    row("Alertmanager ready", "200", String(ready.status), ready.status === 200 ? "ok" : "FAIL");
    const watchdog = await poll(90, async () => {
      const r = await get("alertmanager", `/api/v2/alerts?filter=${encodeURIComponent('alertname="Watchdog"')}`);
      return r.status === 200 && r.body.includes('"alertname":"Watchdog"') ? "firing" : undefined;
    });
    row("Watchdog firing in Alertmanager", "firing", watchdog ?? "absent", watchdog ? "ok" : "FAIL");
  } else {
    row("Alertmanager", "-", "services.alertmanager off", "not called");
  }
  const logQuery = encodeURIComponent(logReadQuery(VERIFY_SERVICE, run));
  const logs = await get("loki", `/loki/api/v1/query_range?query=${logQuery}&limit=10`);
  const found = logs.status === 200 && logs.body.includes(run);
  row(
    "log in Loki",
    "the run's line",
    found ? "found" : `status ${logs.status}`,
    fake.loki ? "NOT VERIFIED (placeholder)" : found ? "ok" : "FAIL",
  );
  for (const key of ["prometheus", "loki", "jaeger"] as const) {
    const uid = CATALOG[key].datasourceUid;
    const r = out.grafanaAdmin
      ? await get("grafana", `/api/datasources/uid/${uid}/health`, out.grafanaAdmin)
      : { status: 0, body: "no grafanaAdmin output" };
    const ok = r.status === 200 && /"status":\s*"OK"/i.test(r.body);
    row(
      `Grafana datasource ${uid} health`,
      "200 OK",
      `${r.status}`,
      fake.grafana ? "NOT VERIFIED (placeholder)" : ok ? "ok" : "FAIL",
    );
  }

  // 3. The seed's API tables.
  for (const call of apiCalls(run, host.traceId)) {
    const what = `${call.service} ${call.method} ${call.path.split("?")[0]}`;
    if (call.notCalled) {
      row(what, String(call.expect || "-"), call.notCalled, "not called");
      continue;
    }
    const r = await fetchHttps(target, `${urls[call.service]}${call.path}`, {
      method: call.method,
      auth: operator,
      body: call.body,
      contentType: call.contentType,
    }).catch((e: Error) => ({ status: 0, body: e.message }));
    const result: Result =
      call.service === "loki" && fake.loki ? "NOT VERIFIED (placeholder)" : r.status === call.expect ? "ok" : "FAIL";
    row(what, String(call.expect), String(r.status), result);
  }

  const width = Math.max(...rows.map((r) => r.what.length));
  console.log(`${"check".padEnd(width)}  ${"expected".padEnd(14)}  ${"got".padEnd(20)}  result`);
  for (const r of rows)
    console.log(`${r.what.padEnd(width)}  ${r.expected.padEnd(14)}  ${r.got.slice(0, 20).padEnd(20)}  ${r.result}`);
  const count = (res: Result) => rows.filter((r) => r.result === res).length;
  console.log(
    `verify summary (${Math.round((Date.now() - started) / 1000)}s): ok ${count("ok")}, FAIL ${count("FAIL")}, ` +
      `NOT VERIFIED ${count("NOT VERIFIED (placeholder)")}, not called ${count("not called")}`,
  );
  return count("FAIL") ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`verify: ${String(err)}`);
    process.exit(1);
  },
);
