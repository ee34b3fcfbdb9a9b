/**
 * The provisioning files the stack writes, checked against the keys Grafana reads. Grafana
 * parses them leniently (`yaml.Unmarshal`: a misspelled key is dropped without a word), so this
 * schema is strict where Grafana is not. Each key is cited to Grafana's source (the newest copies
 * in the code index and the npm packages published from the v13.2.1 monorepo: the grafana/grafana
 * mirror is over the fetch limit, and the Go proxy refuses its v13.2.1 commit; docs/upstream.md).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { z } from "zod";
import { defaultGrafanaInput } from "../../tests/support/grafana-input";
import { GRAFANA_DATASOURCES_PATH, grafanaFiles } from "./index";

const GRAFANA_DASHBOARD_PROVIDER = "/etc/grafana/provisioning/dashboards/scaibu.yaml";

// pkg/services/provisioning/datasources/types.go: upsertDataSourceFromConfigV1 (the keys of a
// datasource); jsonData is a free map there, so each type's keys come from its frontend types.
const base = {
  name: z.string(),
  type: z.string(),
  uid: z.string(),
  access: z.enum(["proxy", "direct"]),
  url: z.string(),
  isDefault: z.boolean(),
  editable: z.boolean(),
  version: z.number().int(),
  orgId: z.number().int().optional(),
};
// @grafana/prometheus@13.2.1 dist/types/types.d.ts PromOptions, ExemplarTraceIdDestination.
const prometheus = z.strictObject({
  ...base,
  type: z.literal("prometheus"),
  jsonData: z.strictObject({
    httpMethod: z.enum(["POST", "GET"]),
    prometheusType: z.enum(["Prometheus", "Cortex", "Mimir", "Thanos"]),
    timeInterval: z.string(),
    exemplarTraceIdDestinations: z.array(
      z.strictObject({
        name: z.string(),
        datasourceUid: z.string().optional(),
        url: z.string().optional(),
        urlDisplayLabel: z.string().optional(),
      }),
    ),
  }),
});
// public/app/plugins/datasource/loki/types.ts LokiOptions, DerivedFieldConfig.
const loki = z.strictObject({
  ...base,
  type: z.literal("loki"),
  jsonData: z.strictObject({
    maxLines: z.number().int(), // typed string in the frontend, read with parseInt (datasource.ts)
    derivedFields: z.array(
      z.strictObject({
        name: z.string(),
        matcherRegex: z.string(),
        matcherType: z.enum(["label", "regex"]),
        url: z.string(),
        datasourceUid: z.string(),
        urlDisplayLabel: z.string(),
      }),
    ),
  }),
});
// grafana-jaeger-datasource v13.0.1 src/datasource.ts JaegerJsonData; @grafana/o11y-ds-frontend
// 13.2.1 TraceToLogsOptionsV2, TraceToMetricsOptions, NodeGraphOptions.
const jaeger = z.strictObject({
  ...base,
  type: z.literal("jaeger"),
  jsonData: z.strictObject({
    nodeGraph: z.strictObject({ enabled: z.boolean() }),
    tracesToLogsV2: z.strictObject({
      datasourceUid: z.string(),
      spanStartTimeShift: z.string(),
      spanEndTimeShift: z.string(),
      filterByTraceID: z.boolean(),
      filterBySpanID: z.boolean(),
      customQuery: z.boolean(),
      query: z.string(),
    }),
    tracesToMetrics: z.strictObject({
      datasourceUid: z.string(),
      spanStartTimeShift: z.string(),
      spanEndTimeShift: z.string(),
      queries: z.array(z.strictObject({ name: z.string(), query: z.string() })),
    }),
  }),
});
// public/app/plugins/datasource/alertmanager/types.ts AlertManagerDataSourceJsonData.
const alertmanager = z.strictObject({
  ...base,
  type: z.literal("alertmanager"),
  jsonData: z.strictObject({
    implementation: z.enum(["prometheus", "mimir", "cortex"]),
    handleGrafanaManagedAlerts: z.boolean(),
  }),
});
// types.go configsV1 (apiVersion, datasources, deleteDatasources) and `prune` (Grafana 11.1+,
// docs/sources/administration/provisioning/index.md).
const datasourcesFile = z.strictObject({
  apiVersion: z.literal(1),
  prune: z.boolean(),
  datasources: z.array(z.discriminatedUnion("type", [prometheus, loki, jaeger, alertmanager])),
});
// pkg/services/provisioning/dashboards/types.go configs; file_reader.go reads options.path and
// options.foldersFromFilesStructure.
const dashboardsFile = z.strictObject({
  apiVersion: z.literal(1),
  providers: z.array(
    z.strictObject({
      name: z.string(),
      orgId: z.number().int(),
      folder: z.string(),
      folderUid: z.string(),
      type: z.literal("file"),
      disableDeletion: z.boolean(),
      allowUiUpdates: z.boolean(),
      updateIntervalSeconds: z.number().int(),
      options: z.strictObject({ path: z.string(), foldersFromFilesStructure: z.boolean() }),
    }),
  ),
});

const input = defaultGrafanaInput;
const file = (path: string) =>
  parse(grafanaFiles(input).find((f) => f.path === path)!.content) as Record<string, unknown>;

describe("Grafana provisioning, against the keys Grafana reads", () => {
  it("datasources: every key is one Grafana knows, for its type", () => {
    const r = datasourcesFile.safeParse(file(GRAFANA_DATASOURCES_PATH));
    assert.ok(r.success, r.error?.message);
  });

  it("dashboard provider: every key is one Grafana knows", () => {
    const r = dashboardsFile.safeParse(file(GRAFANA_DASHBOARD_PROVIDER));
    assert.ok(r.success, r.error?.message);
  });

  it("would catch a misspelled jsonData key or a datasource key (the check is real)", () => {
    const ds = file(GRAFANA_DATASOURCES_PATH) as { datasources: Record<string, unknown>[] };
    const broken = structuredClone(ds);
    (broken.datasources[0]!.jsonData as Record<string, unknown>).httpMethd = "POST";
    assert.match(datasourcesFile.safeParse(broken).error?.message ?? "", /httpMethd/);
    const misplaced = structuredClone(ds);
    misplaced.datasources[2]!.tracesToLogsV2 = {};
    assert.match(datasourcesFile.safeParse(misplaced).error?.message ?? "", /tracesToLogsV2/);
  });

  it("points every dashboard panel and query at a provisioned datasource", () => {
    const uids = new Set(
      (file(GRAFANA_DATASOURCES_PATH) as { datasources: { uid: string }[] }).datasources.map((d) => d.uid),
    );
    for (const f of grafanaFiles(input).filter((x) => x.path.endsWith(".json"))) {
      const d = JSON.parse(f.content) as {
        panels: { title: string; datasource?: { uid: string }; targets?: { datasource: { uid: string } }[] }[];
        templating: { list: { datasource: { uid: string } }[] };
      };
      for (const p of d.panels) {
        for (const ref of [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)].filter(Boolean)) {
          assert.ok(uids.has(ref!.uid), `${f.path} ${p.title}: datasource ${ref!.uid}`);
        }
      }
      for (const v of d.templating.list) assert.ok(uids.has(v.datasource.uid), `${f.path}: variable`);
    }
  });
});
