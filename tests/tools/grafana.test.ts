import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CATALOG } from "../../configs/catalog";
import {
  GRAFANA_ADMIN_PASSWORD_PATH,
  GRAFANA_DASHBOARD_PROVIDER_PATH,
  GRAFANA_DATASOURCES_PATH,
  GRAFANA_STACK_CLIENT_PASSWORD_PATH,
  CONTAINERS_DASHBOARD_UID,
  DOCKER_HOST_DASHBOARD_UID,
  REQUEST_DASHBOARD_UID,
  STACK_HEALTH_DASHBOARD_UID,
  grafanaEnv,
  grafanaFiles,
  literal,
  TRACE_TO_METRICS_QUERIES,
  type GrafanaInput,
  GRAFANA_IMAGE_ENTRYPOINT,
  grafanaStartScript,
} from "../../configs/grafana";
import type { Dashboard, Panel } from "../../configs/grafana/dashboard";
import { SPANMETRICS_CALLS_METRIC, SPANMETRICS_DURATION_BUCKET_METRIC } from "../../configs/otel-collector";
import { fileAt, findPromtool, parseYaml, promqlErrors, withGrafanaVariables } from "../support/config-files";
import { defaultGrafanaInput } from "../support/grafana-input";
import { stackClientUser } from "../../configs/web-auth";

const base: GrafanaInput = defaultGrafanaInput;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const datasources = (): Doc[] =>
  parseYaml<Doc>(fileAt(grafanaFiles(base), GRAFANA_DATASOURCES_PATH).content).datasources;
const ds = (uid: string): Doc => datasources().find((d) => d.uid === uid);
const dashboard = (uid: string): Dashboard =>
  JSON.parse(fileAt(grafanaFiles(base), `/etc/grafana/dashboards/${uid}.json`).content) as Dashboard;
/** Every dashboard the stack provisions (all switches on). */
const allDashboards = (): Dashboard[] =>
  grafanaFiles(base)
    .filter((f) => f.path.startsWith("/etc/grafana/dashboards/"))
    .map((f) => JSON.parse(f.content) as Dashboard);

/** Grafana expands $VAR/${VAR} in provisioning files; every literal `$` must be doubled. */
function assertEscaped(s: string): void {
  assert.doesNotMatch(s.replace(/\$\$/g, ""), /\$/, `unescaped $ in ${s}`);
}

describe("grafana provisioning", () => {
  it("writes the start script, datasources, the dashboard provider and five dashboards under the image's paths", () => {
    assert.deepEqual(
      grafanaFiles(base).map((f) => f.path),
      [
        "/etc/grafana/scaibu/start.sh",
        "/etc/grafana/provisioning/datasources/scaibu.yaml",
        "/etc/grafana/provisioning/dashboards/scaibu.yaml",
        `/etc/grafana/dashboards/${REQUEST_DASHBOARD_UID}.json`,
        `/etc/grafana/dashboards/${STACK_HEALTH_DASHBOARD_UID}.json`,
        `/etc/grafana/dashboards/${DOCKER_HOST_DASHBOARD_UID}.json`,
        `/etc/grafana/dashboards/scaibu-alerts.json`,
        `/etc/grafana/dashboards/${CONTAINERS_DASHBOARD_UID}.json`,
      ],
    );
  });

  it("provisions the host and container dashboards only with their receivers", () => {
    const paths = (host: boolean, containers: boolean) =>
      grafanaFiles({ ...base, hostMetrics: { host, containers } })
        .map((f) => f.path)
        .filter((p) => p.includes("docker-host") || p.includes("containers"));
    assert.deepEqual(paths(false, false), []);
    assert.deepEqual(paths(true, false), [`/etc/grafana/dashboards/${DOCKER_HOST_DASHBOARD_UID}.json`]);
    assert.equal(paths(false, true).length, 2);
  });

  it("links every container panel to that container's logs in Loki", () => {
    const panels = dashboard(CONTAINERS_DASHBOARD_UID).panels.filter((p) => p.type !== "row");
    assert.ok(panels.length >= 6);
    for (const p of panels) {
      const link = p.fieldConfig?.defaults.links?.[0];
      assert.ok(link, `${p.title} has a logs link`);
      const [, query] = link.url.split("panes=");
      const panes = JSON.parse(
        decodeURIComponent(query!.replace("${__field.labels.container_name:percentencode}", "X")),
      );
      assert.equal(panes.logs.datasource, "loki");
      assert.equal(panes.logs.queries[0].expr, '{container_name="X"}');
    }
    assert.deepEqual(
      dashboard(CONTAINERS_DASHBOARD_UID).templating.list.map((v) => v.name),
      ["host", "container"],
    );
  });

  it("narrows the host and container dashboards to the chosen hosts: every metric of every panel, and the container list", () => {
    for (const uid of [DOCKER_HOST_DASHBOARD_UID, CONTAINERS_DASHBOARD_UID]) {
      const d = dashboard(uid);
      const host = d.templating.list.find((v) => v.name === "host")!;
      // "All" is `.*`, which also matches the series of one host, which carry no host_name.
      assert.equal(host.allValue, ".*", uid);
      assert.match(host.definition, /^label_values\((system|container)_\w+, host_name\)$/, uid);
      const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
      assert.ok(exprs.length >= 6, uid);
      for (const expr of exprs) {
        // Metric names (not the container_name label), each with the matchers it carries.
        const metrics = (expr.match(/\b(system|container)_\w+(\{[^}]*\})?/g) ?? []).filter(
          (m) => !m.startsWith("container_name"),
        );
        assert.ok(metrics.length, `${uid}: ${expr}`);
        for (const m of metrics) assert.match(m, /\{host_name=~"\$host"/, `${uid}: ${m} in ${expr}`);
      }
    }
    const container = dashboard(CONTAINERS_DASHBOARD_UID).templating.list.find((v) => v.name === "container")!;
    assert.equal(
      container.definition,
      'label_values(container_memory_usage_total_bytes{host_name=~"$host"}, container_name)',
    );
  });

  it("provisions Prometheus (default), Loki, Jaeger and Alertmanager with fixed uids and in-network URLs", () => {
    const all = datasources();
    assert.deepEqual(
      all.map((d) => [d.uid, d.type, d.url, d.isDefault]),
      [
        ["prometheus", "prometheus", "http://scaibu.prometheus:9090", true],
        ["loki", "loki", "http://scaibu.loki:3100", false],
        ["jaeger", "jaeger", "http://scaibu.jaeger:16686", false],
        ["alertmanager", "alertmanager", "http://scaibu.alertmanager:9093", false],
      ],
    );
    // Grafana's Alerting pages read it; alerts Grafana evaluates go to it too.
    assert.deepEqual(ds("alertmanager").jsonData, { implementation: "prometheus", handleGrafanaManagedAlerts: true });
    assert.equal(
      parseYaml<Doc>(fileAt(grafanaFiles({ ...base, alertmanager: false }), GRAFANA_DATASOURCES_PATH).content)
        .datasources.length,
      3,
    );
    assert.deepEqual(
      [CATALOG.prometheus.datasourceUid, CATALOG.loki.datasourceUid, CATALOG.jaeger.datasourceUid],
      ["prometheus", "loki", "jaeger"],
    );
  });

  it("links exemplars, log trace ids and spans across the three datasources", () => {
    // The internal link, plus an external one to Jaeger's UI (the internal link's traceql query
    // type is ignored by the Jaeger datasource).
    assert.deepEqual(ds("prometheus").jsonData.exemplarTraceIdDestinations, [
      {
        name: "trace_id",
        datasourceUid: "jaeger",
        url: "https://scaibu.jaeger/trace/$${__value.raw}",
        urlDisplayLabel: "View trace",
      },
    ]);
    const fields = ds("loki").jsonData.derivedFields;
    assert.ok(fields.every((f: Doc) => f.datasourceUid === "jaeger"));
    assert.deepEqual(fields[0], {
      name: "TraceID",
      matcherType: "label",
      matcherRegex: "trace_id",
      datasourceUid: "jaeger",
      url: "$${__value.raw}",
      urlDisplayLabel: "View trace",
    });
    const j = ds("jaeger").jsonData;
    assert.equal(j.tracesToLogsV2.datasourceUid, "loki");
    // A selector every OTLP stream matches: `{${__tags}}` would be `{}` with Jaeger (service.name
    // is not among the span's tags), which is not valid LogQL.
    assert.equal(j.tracesToLogsV2.query, '{service_name=~".+"} | trace_id="$${__span.traceId}"');
    assert.equal(j.tracesToLogsV2.tags, undefined);
    assert.equal(j.tracesToMetrics.datasourceUid, "prometheus");
    assert.ok(j.tracesToMetrics.queries.every((q: Doc) => q.query.includes(SPANMETRICS_CALLS_METRIC)));
    assert.ok(j.tracesToMetrics.queries.every((q: Doc) => !q.query.includes("__tags")));
  });

  it("escapes every Grafana variable from provisioning env expansion", () => {
    const text = fileAt(grafanaFiles(base), GRAFANA_DATASOURCES_PATH).content;
    for (const line of text.split("\n")) assertEscaped(line);
    assert.equal(literal("a$b${c}"), "a$$b$${c}");
  });

  it("logs in to Prometheus, Alertmanager and Jaeger as the stack client when they ask, the password read from a file", () => {
    const input = { ...base, alertmanager: true, prometheusAuth: true, alertmanagerAuth: true, jaegerAuth: true };
    const text = fileAt(grafanaFiles(input), GRAFANA_DATASOURCES_PATH).content;
    const all = parseYaml<Doc>(text).datasources as Doc[];
    for (const uid of ["prometheus", "alertmanager", "jaeger"]) {
      const d = all.find((x) => x.uid === uid)!;
      assert.equal(d.basicAuth, true, uid);
      assert.equal(d.basicAuthUser, stackClientUser("grafana"), uid);
      // The one expansion left in: Grafana reads the uploaded secret when it provisions.
      assert.deepEqual(d.secureJsonData, { basicAuthPassword: `$__file{${GRAFANA_STACK_CLIENT_PASSWORD_PATH}}` }, uid);
    }
    for (const line of text.split("\n").filter((l) => !l.includes("$__file{"))) assertEscaped(line);
    // Loki does not get it; nor does any datasource when no server asks.
    assert.equal(all.find((d) => d.uid === "loki")!.basicAuth, undefined);
    const open = parseYaml<Doc>(
      fileAt(grafanaFiles({ ...base, alertmanager: true }), GRAFANA_DATASOURCES_PATH).content,
    );
    assert.ok((open.datasources as Doc[]).every((d) => d.basicAuth === undefined && d.secureJsonData === undefined));
  });

  it("provisions dashboards from files, read-only", () => {
    const p = parseYaml<Doc>(fileAt(grafanaFiles(base), GRAFANA_DASHBOARD_PROVIDER_PATH).content).providers;
    assert.equal(p.length, 1);
    assert.equal(p[0].type, "file");
    assert.equal(p[0].options.path, "/etc/grafana/dashboards");
    assert.equal(p[0].allowUiUpdates, false);
  });

  it("builds the request dashboard from spanmetrics: rate, errors, p50/p95/p99 per service and route", () => {
    const d = dashboard(REQUEST_DASHBOARD_UID);
    assert.equal(d.uid, REQUEST_DASHBOARD_UID);
    assert.equal(d.title, "Request rates & latencies");
    const exprs = d.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    assert.ok(exprs.some((e) => e.includes(SPANMETRICS_CALLS_METRIC) && e.includes("STATUS_CODE_ERROR")));
    for (const q of ["0.5", "0.95", "0.99"]) {
      assert.ok(
        exprs.some(
          (e) =>
            e.startsWith(`histogram_quantile(${q}, sum by (le, service_name)`) &&
            e.includes(SPANMETRICS_DURATION_BUCKET_METRIC),
        ),
        `p${q} per service`,
      );
      assert.ok(
        exprs.some((e) => e.startsWith(`histogram_quantile(${q}, sum by (le, service_name, http_route)`)),
        `p${q} per route`,
      );
    }
    assert.deepEqual(
      d.templating.list.map((v) => v.name),
      ["service", "span_kind"],
    );
    // Exemplars (trace_id) on the calls counter let Grafana jump from the rate graph to Jaeger.
    assert.ok(d.panels.some((p) => p.targets?.some((t) => t.exemplar && t.expr.includes(SPANMETRICS_CALLS_METRIC))));
  });

  it("builds the stack health dashboard: targets, collector, Loki, Prometheus", () => {
    const d = dashboard(STACK_HEALTH_DASHBOARD_UID);
    const exprs = d.panels
      .flatMap((p) => p.targets ?? [])
      .map((t) => t.expr)
      .join("\n");
    for (const m of [
      "up",
      'otelcol_receiver_refused_spans(_total)?"',
      'otelcol_exporter_send_failed_log_records(_total)?"',
      'otelcol_exporter_enqueue_failed_metric_points(_total)?"',
      "loki_discarded_samples_total",
      "loki_distributor_lines_received_total",
      "prometheus_tsdb_head_samples_appended_total",
    ]) {
      assert.ok(exprs.includes(m), m);
    }
  });

  it("lays dashboards out on the 24-column grid with unique ids and refIds", () => {
    for (const d of allDashboards()) {
      const uid = d.uid;
      const ids = d.panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `${uid}: unique ids`);
      for (const p of d.panels as Panel[]) {
        assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${uid}/${p.title}: fits the grid`);
        const refs = (p.targets ?? []).map((t) => t.refId);
        assert.equal(new Set(refs).size, refs.length, `${uid}/${p.title}: unique refIds`);
        for (const t of p.targets ?? []) assert.deepEqual(t.datasource, { type: "prometheus", uid: "prometheus" });
      }
    }
  });

  it("sets the environment: no anonymous access, sign-up or phoning home; the password only as a file", () => {
    const env = grafanaEnv(base);
    assert.equal(env.GF_AUTH_ANONYMOUS_ENABLED, "false");
    assert.equal(env.GF_SERVER_ROOT_URL, "https://scaibu.grafana");
    assert.equal(grafanaEnv({ ...base, externalPort: 8443 }).GF_SERVER_ROOT_URL, "https://scaibu.grafana:8443");
    assert.equal(env.GF_SECURITY_ADMIN_USER, "admin");
    assert.equal(env.GF_USERS_ALLOW_SIGN_UP, "false");
    assert.equal(env.GF_ANALYTICS_CHECK_FOR_UPDATES, "false");
    assert.equal(env.GF_ANALYTICS_REPORTING_ENABLED, "false");
    assert.equal(env.GF_NEWS_NEWS_FEED_ENABLED, "false");
    assert.deepEqual(
      Object.keys(env).filter((k) => k.includes("PASSWORD")),
      ["GF_SECURITY_ADMIN_PASSWORD__FILE"],
    );
    assert.equal(env.GF_SECURITY_ADMIN_PASSWORD__FILE, GRAFANA_ADMIN_PASSWORD_PATH);
    assert.deepEqual(Object.keys(env), [...Object.keys(env)].sort());
  });

  it("is deterministic", () => {
    assert.deepEqual(grafanaFiles(base), grafanaFiles({ ...base }));
    assert.deepEqual(grafanaEnv(base), grafanaEnv({ ...base }));
  });
});

describe("grafana PromQL, parsed by the real Prometheus parser (promtool)", () => {
  const promtool = findPromtool();
  const exprs = [
    ...allDashboards().flatMap((d) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))),
    ...TRACE_TO_METRICS_QUERIES.map((q) => q.query),
  ];

  it(`parses every dashboard and trace-to-metrics query (promtool ${promtool.version})`, () => {
    assert.ok(exprs.length > 10, `${exprs.length} expressions`);
    assert.equal(promqlErrors(promtool, exprs.map(withGrafanaVariables)), undefined);
  });

  it("would catch the $__tags expansion Grafana produces for Jaeger spans", () => {
    const broken = 'sum(rate(traces_span_metrics_calls_total{, status_code="STATUS_CODE_ERROR"}[5m]))';
    assert.match(promqlErrors(promtool, [broken]) ?? "", /parse error|unexpected/);
  });
});

describe("grafana start script (the stack's admin password on a kept database)", () => {
  /** Runs the script with stubs for `grafana` and the image's /run.sh; returns what each saw. */
  function start(withDatabase: boolean, cliExit = 0) {
    const dir = mkdtempSync(join(tmpdir(), "scaibu-grafana-start-"));
    const [data, bin] = [join(dir, "data"), join(dir, "bin")];
    for (const d of [data, bin]) mkdirSync(d);
    if (withDatabase) writeFileSync(join(data, "grafana.db"), "sqlite");
    writeFileSync(join(dir, "password"), "s3cret-from-the-stack\n");
    writeFileSync(
      join(bin, "grafana"),
      `#!/bin/sh\necho "$*" >"${dir}/cli-args"; cat >"${dir}/cli-stdin"; exit ${cliExit}\n`,
    );
    writeFileSync(join(dir, "run.sh"), `#!/bin/sh\necho "run.sh $*" >"${dir}/ran"\n`);
    chmodSync(join(bin, "grafana"), 0o755);
    chmodSync(join(dir, "run.sh"), 0o755);
    writeFileSync(join(dir, "start.sh"), grafanaStartScript().replace(GRAFANA_IMAGE_ENTRYPOINT, join(dir, "run.sh")));
    const r = spawnSync("/bin/sh", [join(dir, "start.sh"), "extra-arg"], {
      encoding: "utf8",
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        GF_PATHS_DATA: data,
        GF_PATHS_HOME: "/usr/share/grafana",
        GF_PATHS_CONFIG: "/etc/grafana/grafana.ini",
        GF_SECURITY_ADMIN_PASSWORD__FILE: join(dir, "password"),
      },
    });
    const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : undefined);
    const out = {
      status: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      cli: read("cli-args"),
      stdin: read("cli-stdin"),
      ran: read("ran"),
    };
    rmSync(dir, { recursive: true, force: true });
    return out;
  }

  it("leaves a fresh volume to Grafana (it applies the password when it creates the admin)", () => {
    const r = start(false);
    assert.equal(r.cli, undefined);
    assert.equal(r.ran, "run.sh extra-arg\n");
  });

  it("resets user 1's password from the password file on an existing database, then runs /run.sh", () => {
    const r = start(true);
    assert.equal(
      r.cli,
      "cli --homepath /usr/share/grafana --config /etc/grafana/grafana.ini admin reset-admin-password --password-from-stdin\n",
    );
    assert.equal(r.stdin, "s3cret-from-the-stack\n");
    assert.equal(r.ran, "run.sh extra-arg\n");
    assert.ok(!r.stdout.includes("s3cret") && !r.stderr.includes("s3cret"), "the password is never printed");
  });

  it("still starts Grafana, with a warning, when the reset fails", () => {
    const r = start(true, 1);
    assert.match(r.stderr, /WARNING: could not reset the admin password/);
    assert.equal(r.ran, "run.sh extra-arg\n");
  });
});
