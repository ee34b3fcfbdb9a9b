/**
 * Grafana (grafana/grafana:13.2.1): provisioned datasources (fixed uids, cross-linked so a metric
 * exemplar or a log line opens its trace, and a span opens its logs and metrics), the dashboard
 * provider, two dashboards, and the environment the container runs with.
 *
 * Grafana expands `$VAR` / `${VAR}` from the environment in provisioning files; a literal `$`
 * (Grafana's own `${__value.raw}`, `$__tags`, ...) must be written `$$` there: see `literal()`.
 */
import { z } from "zod";
import { CATALOG, type Hosts } from "../catalog";
import { SPANMETRICS_CALLS_METRIC } from "../otel-collector";
import { secretString } from "../schema";
import { wgetCheck, type ConfigFile } from "../types";
import { externalUrl } from "../urls";
import { toYaml } from "../yaml";
import { stackClientUser } from "../web-auth";
import { ALERTS_DASHBOARD_UID, alertsDashboard } from "./alerts-dashboard";
import { dashboardJson } from "./dashboard";
import {
  requestDashboard,
  stackHealthDashboard,
  REQUEST_DASHBOARD_UID,
  STACK_HEALTH_DASHBOARD_UID,
} from "./dashboards";
import {
  containersDashboard,
  dockerHostDashboard,
  CONTAINERS_DASHBOARD_UID,
  DOCKER_HOST_DASHBOARD_UID,
} from "./host-dashboards";

export { REQUEST_DASHBOARD_UID, STACK_HEALTH_DASHBOARD_UID } from "./dashboards";
export { CONTAINERS_DASHBOARD_UID, DOCKER_HOST_DASHBOARD_UID } from "./host-dashboards";

export const GRAFANA_HEALTH_PATH = "/api/health";
export const GRAFANA_METRICS_PATH = "/metrics";
/** Named volume mount point (SQLite db, sessions); the image creates it owned by UID 472 (its USER), which a fresh named volume inherits. */
export const GRAFANA_DATA_DIR = "/var/lib/grafana";
export const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";
export const GRAFANA_DATASOURCES_PATH = `${GRAFANA_PROVISIONING_DIR}/datasources/scaibu.yaml`;
export const GRAFANA_DASHBOARD_PROVIDER_PATH = `${GRAFANA_PROVISIONING_DIR}/dashboards/scaibu.yaml`;
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards";
/** Read through GF_SECURITY_ADMIN_PASSWORD__FILE, so the password is not in the container's environment. */
export const GRAFANA_ADMIN_PASSWORD_PATH = "/etc/grafana/secrets/admin-password";
/** The stack client's password (configs/web-auth.ts), an uploaded secret the datasources read. */
export const GRAFANA_STACK_CLIENT_PASSWORD_PATH = "/etc/grafana/secrets/stack-client-password";
export const GRAFANA_DASHBOARD_FOLDER = "Scaibu Observability";
/** Runs before the image's own /run.sh (the container's entrypoint): see grafanaStartScript. */
export const GRAFANA_START_PATH = "/etc/grafana/scaibu/start.sh";
/** The image's entrypoint (packaging/docker/run.sh, copied to /run.sh by the Dockerfile). */
export const GRAFANA_IMAGE_ENTRYPOINT = "/run.sh";

/**
 * Sets the admin password from the stack at every start. Grafana applies security.admin_password
 * only when it creates the admin user in an empty database (sqlstore ensureMainOrgAndAdminUser:
 * "if stats.Count > 0 { return nil }"), so a database kept from an earlier stack
 * (keepDataVolumes) would keep an older password, and the stack's `grafanaAdmin` output would not
 * log in. `grafana cli admin reset-admin-password --password-from-stdin` resets user 1 (the admin
 * Grafana created) in the same database: the CLI reads the same GF_PATHS_* environment. It reads
 * the file itself, since only /run.sh expands GF_*__FILE variables. A fresh volume needs no reset.
 * Sources and what could not be checked at the pinned tag: docs/upstream.md (Grafana 13).
 */
export function grafanaStartScript(): string {
  return [
    "#!/bin/sh",
    "# scaibu-observability: the stack's admin password must log in, also on a kept database.",
    'if [ -s "$GF_PATHS_DATA/grafana.db" ]; then',
    '  if grafana cli --homepath "$GF_PATHS_HOME" --config "$GF_PATHS_CONFIG" admin reset-admin-password \\',
    `    --password-from-stdin <"$GF_SECURITY_ADMIN_PASSWORD__FILE" >/dev/null; then`,
    '    echo "scaibu: admin password set from the stack on the existing database"',
    "  else",
    '    echo "scaibu: WARNING: could not reset the admin password on the existing database" >&2',
    "  fi",
    "fi",
    `exec ${GRAFANA_IMAGE_ENTRYPOINT} "$@"`,
    "",
  ].join("\n");
}

/** The `grafana` config key. */
export const grafanaSettings = z
  .strictObject({
    /** Admin login name; Grafana accepts letters, digits and `._@-`. */
    adminUser: z
      .string()
      .regex(/^[A-Za-z0-9._@-]{1,64}$/, "must be 1-64 of letters, digits and . _ @ -")
      .default("admin"),
    /** Your own admin password (set it with `pulumi config set --secret`); default: a random one. */
    adminPassword: secretString(16).optional(),
  })
  .prefault({});

/** LogQL of the span → logs link (Grafana variables unescaped). */
export const TRACE_TO_LOGS_QUERY = '{service_name=~".+"} | trace_id="${__span.traceId}"';

const callsOfSpan = `${SPANMETRICS_CALLS_METRIC}{span_name="\${__span.name}"`;
/** PromQL of the span → metrics links (Grafana variables unescaped; the tests parse them). */
export const TRACE_TO_METRICS_QUERIES = [
  { name: "Request rate", query: `sum(rate(${callsOfSpan}}[5m]))` },
  {
    name: "Error rate",
    query: `sum(rate(${callsOfSpan}, status_code="STATUS_CODE_ERROR"}[5m])) / sum(rate(${callsOfSpan}}[5m]))`,
  },
] as const;

export interface GrafanaInput {
  /** In-network hostnames of the stores (and of Alertmanager). */
  hosts: Pick<Hosts, "prometheus" | "loki" | "jaeger" | "alertmanager">;
  /** Whether the stack runs Alertmanager: its datasource and the Alerts dashboard come with it. */
  alertmanager?: boolean;
  /** Jaeger's public URL, for links that open its own UI. */
  jaegerUrl: string;
  /** Public hostname Grafana is served at (root URL https://<host>). */
  externalHost: string;
  /** Public HTTPS port when not 443 (goes into the root URL). */
  externalPort?: number;
  /** Admin login (the password reaches the container separately, as a secret). */
  adminUser: string;
  /** Which of the collector's host receivers are on: their dashboards are provisioned with them. */
  hostMetrics?: { host: boolean; containers: boolean };
  /** Prometheus asks for the stack client's login (configs/web-auth.ts): the datasource sends it. */
  prometheusAuth?: boolean;
  /** Alertmanager asks for it too. */
  alertmanagerAuth?: boolean;
  /** Jaeger's query API asks for it too. */
  jaegerAuth?: boolean;
}

const UID = {
  prometheus: CATALOG.prometheus.datasourceUid,
  loki: CATALOG.loki.datasourceUid,
  jaeger: CATALOG.jaeger.datasourceUid,
  alertmanager: CATALOG.alertmanager.datasourceUid,
};

/** Escapes `$` so Grafana's provisioning env-var expansion leaves Grafana's own variables intact. */
export function literal(s: string): string {
  return s.replace(/\$/g, "$$$$");
}

interface DatasourceBase {
  name: string;
  uid: string;
  access: "proxy";
  url: string;
  isDefault: boolean;
  editable: boolean;
  version: number;
}

export interface PrometheusDatasource extends DatasourceBase, Partial<StackClientLogin> {
  type: "prometheus";
  jsonData: {
    httpMethod: "POST";
    prometheusType: "Prometheus";
    timeInterval: string;
    exemplarTraceIdDestinations: { name: string; datasourceUid: string; url: string; urlDisplayLabel: string }[];
  };
}

export interface LokiDatasource extends DatasourceBase {
  type: "loki";
  jsonData: {
    maxLines: number;
    derivedFields: {
      name: string;
      matcherType: "label" | "regex";
      matcherRegex: string;
      datasourceUid: string;
      url: string;
      urlDisplayLabel: string;
    }[];
  };
}

export interface JaegerDatasource extends DatasourceBase, Partial<StackClientLogin> {
  type: "jaeger";
  jsonData: {
    nodeGraph: { enabled: boolean };
    tracesToLogsV2: {
      datasourceUid: string;
      spanStartTimeShift: string;
      spanEndTimeShift: string;
      filterByTraceID: boolean;
      filterBySpanID: boolean;
      customQuery: boolean;
      query: string;
    };
    tracesToMetrics: {
      datasourceUid: string;
      spanStartTimeShift: string;
      spanEndTimeShift: string;
      queries: { name: string; query: string }[];
    };
  };
}

/**
 * Alertmanager, so Grafana's Alerting pages show its alert groups and silences. `implementation`
 * and `handleGrafanaManagedAlerts` (public/app/plugins/datasource/alertmanager/types.ts; with
 * `prometheus` nothing is appended to the URL: pkg/services/ngalert/sender/router.go).
 */
export interface AlertmanagerDatasource extends DatasourceBase, Partial<StackClientLogin> {
  type: "alertmanager";
  jsonData: { implementation: "prometheus"; handleGrafanaManagedAlerts: boolean };
}

export type Datasource = PrometheusDatasource | LokiDatasource | JaegerDatasource | AlertmanagerDatasource;

export interface DatasourcesProvisioning {
  apiVersion: 1;
  /** Removes datasources that were provisioned before and are no longer in this file. */
  prune: boolean;
  datasources: Datasource[];
}

export interface DashboardProvisioning {
  apiVersion: 1;
  providers: {
    name: string;
    orgId: number;
    folder: string;
    folderUid: string;
    type: "file";
    disableDeletion: boolean;
    allowUiUpdates: boolean;
    updateIntervalSeconds: number;
    options: { path: string; foldersFromFilesStructure: boolean };
  }[];
}

/**
 * The stack client's login on the Prometheus, Alertmanager and Jaeger datasources. The password is read from the uploaded
 * secret when Grafana provisions: `$__file{…}` is expanded in provisioned values
 * (pkg/services/provisioning/values/values.go `interpolateValue` → pkg/setting/expanders.go
 * `fileExpander`, which trims the content; read in the code index's newest copy, the mirror being
 * over the fetch limit). NOT VERIFIED here: the Grafana image is a placeholder.
 */
type StackClientLogin = typeof stackClientLogin;
const stackClientLogin = {
  basicAuth: true as const,
  basicAuthUser: stackClientUser("grafana"),
  secureJsonData: { basicAuthPassword: `$__file{${GRAFANA_STACK_CLIENT_PASSWORD_PATH}}` },
};

export function grafanaDatasources(input: GrafanaInput): DatasourcesProvisioning {
  const { hosts } = input;
  const base = { access: "proxy" as const, editable: false, version: 1 };
  return {
    apiVersion: 1,
    prune: true,
    datasources: [
      {
        ...base,
        name: "Prometheus",
        uid: UID.prometheus,
        type: "prometheus",
        url: `http://${hosts.prometheus}:${CATALOG.prometheus.ports.http}`,
        isDefault: true,
        ...(input.prometheusAuth ? stackClientLogin : {}),
        jsonData: {
          httpMethod: "POST",
          prometheusType: "Prometheus",
          timeInterval: "30s",
          // spanmetrics exemplars carry the trace id in label trace_id.
          // spanmetrics exemplars carry the trace id in label trace_id. The internal link sends
          // queryType "traceql", which the Jaeger datasource ignores (grafana/grafana#111448), so the
          // same entry also carries an external link to Jaeger's own UI (both links are rendered:
          // packages/grafana-prometheus/src/result_transformer.ts getDataLinks).
          exemplarTraceIdDestinations: [
            {
              name: "trace_id",
              datasourceUid: UID.jaeger,
              url: literal(`${input.jaegerUrl}/trace/\${__value.raw}`),
              urlDisplayLabel: "View trace",
            },
          ],
        },
      },
      {
        ...base,
        name: "Loki",
        uid: UID.loki,
        type: "loki",
        url: `http://${hosts.loki}:${CATALOG.loki.ports.http}`,
        isDefault: false,
        jsonData: {
          maxLines: 1000,
          derivedFields: [
            // OTLP logs: the trace id is structured metadata `trace_id` (a label to Grafana).
            {
              name: "TraceID",
              matcherType: "label",
              matcherRegex: "trace_id",
              datasourceUid: UID.jaeger,
              url: literal("${__value.raw}"),
              urlDisplayLabel: "View trace",
            },
            // Plain-text / JSON lines (e.g. Docker logs) that print a trace id.
            {
              name: "TraceIDInLine",
              matcherType: "regex",
              matcherRegex: '(?:trace_?id|traceID)"?[=: ]+"?([0-9a-fA-F]{32})',
              datasourceUid: UID.jaeger,
              url: literal("${__value.raw}"),
              urlDisplayLabel: "View trace",
            },
          ],
        },
      },
      {
        ...base,
        name: "Jaeger",
        uid: UID.jaeger,
        type: "jaeger",
        url: `http://${hosts.jaeger}:${CATALOG.jaeger.ports.ui}`,
        isDefault: false,
        ...(input.jaegerAuth ? stackClientLogin : {}),
        jsonData: {
          nodeGraph: { enabled: true },
          // Grafana builds ${__tags} from span and process tags only; Jaeger moves service.name into
          // process.serviceName, so the tags are empty and `{${__tags}}` would be `{}`, invalid
          // LogQL (crossSignalConfig.ts getSpanTags). Every OTLP-ingested stream carries
          // service_name (an index label: configs/loki.ts), so match on it and filter by trace id,
          // which is structured metadata on OTLP logs.
          tracesToLogsV2: {
            datasourceUid: UID.loki,
            spanStartTimeShift: "-5m",
            spanEndTimeShift: "5m",
            filterByTraceID: false,
            filterBySpanID: false,
            customQuery: true,
            query: literal(TRACE_TO_LOGS_QUERY),
          },
          // Likewise $__tags would expand to `{, …}`, which PromQL rejects: the queries filter on
          // the span's own name, which spanmetrics keeps as label span_name.
          tracesToMetrics: {
            datasourceUid: UID.prometheus,
            spanStartTimeShift: "-5m",
            spanEndTimeShift: "5m",
            queries: TRACE_TO_METRICS_QUERIES.map(({ name, query }) => ({ name, query: literal(query) })),
          },
        },
      },
      ...(input.alertmanager
        ? [
            {
              ...base,
              name: "Alertmanager",
              uid: UID.alertmanager,
              type: "alertmanager" as const,
              url: `http://${hosts.alertmanager}:${CATALOG.alertmanager.ports.http}`,
              isDefault: false,
              ...(input.alertmanagerAuth ? stackClientLogin : {}),
              // Alerts Grafana itself evaluates go to the stack's Alertmanager too.
              jsonData: { implementation: "prometheus" as const, handleGrafanaManagedAlerts: true },
            },
          ]
        : []),
    ],
  };
}

export function grafanaDashboardProvider(): DashboardProvisioning {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "scaibu",
        orgId: 1,
        folder: GRAFANA_DASHBOARD_FOLDER,
        folderUid: "scaibu",
        type: "file",
        // The files are the source of truth: edits in the UI would be lost on the next deploy.
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: false },
      },
    ],
  };
}

export function grafanaFiles(input: GrafanaInput): ConfigFile[] {
  return [
    { path: GRAFANA_START_PATH, content: grafanaStartScript() },
    { path: GRAFANA_DATASOURCES_PATH, content: toYaml(grafanaDatasources(input)) },
    { path: GRAFANA_DASHBOARD_PROVIDER_PATH, content: toYaml(grafanaDashboardProvider()) },
    { path: `${GRAFANA_DASHBOARDS_DIR}/${REQUEST_DASHBOARD_UID}.json`, content: dashboardJson(requestDashboard()) },
    {
      path: `${GRAFANA_DASHBOARDS_DIR}/${STACK_HEALTH_DASHBOARD_UID}.json`,
      content: dashboardJson(stackHealthDashboard()),
    },
    ...(input.hostMetrics?.host || input.hostMetrics?.containers
      ? [
          {
            path: `${GRAFANA_DASHBOARDS_DIR}/${DOCKER_HOST_DASHBOARD_UID}.json`,
            content: dashboardJson(dockerHostDashboard()),
          },
        ]
      : []),
    ...(input.alertmanager
      ? [{ path: `${GRAFANA_DASHBOARDS_DIR}/${ALERTS_DASHBOARD_UID}.json`, content: dashboardJson(alertsDashboard()) }]
      : []),
    ...(input.hostMetrics?.containers
      ? [
          {
            path: `${GRAFANA_DASHBOARDS_DIR}/${CONTAINERS_DASHBOARD_UID}.json`,
            content: dashboardJson(containersDashboard()),
          },
        ]
      : []),
  ];
}

/**
 * Environment for the container (keys sorted). No secret here: the admin password is a file the
 * caller uploads at GRAFANA_ADMIN_PASSWORD_PATH.
 */
export function grafanaEnv(input: GrafanaInput): Record<string, string> {
  const env: Record<string, string> = {
    GF_SERVER_ROOT_URL: externalUrl(input.externalHost, input.externalPort),
    GF_SERVER_DOMAIN: input.externalHost,
    GF_SECURITY_ADMIN_USER: input.adminUser,
    GF_SECURITY_ADMIN_PASSWORD__FILE: GRAFANA_ADMIN_PASSWORD_PATH,
    GF_SECURITY_COOKIE_SECURE: "true", // served only over https via Traefik
    GF_SECURITY_DISABLE_GRAVATAR: "true", // gravatar.com is not reachable
    GF_AUTH_ANONYMOUS_ENABLED: "false",
    GF_USERS_ALLOW_SIGN_UP: "false",
    GF_USERS_ALLOW_ORG_CREATE: "false",
    // No internet: no update checks, usage reports, news feed or plugin downloads.
    GF_ANALYTICS_REPORTING_ENABLED: "false",
    GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
    GF_ANALYTICS_FEEDBACK_LINKS_ENABLED: "false",
    GF_NEWS_NEWS_FEED_ENABLED: "false",
    GF_SNAPSHOTS_EXTERNAL_ENABLED: "false",
    // Grafana 13 ships the Prometheus/Loki/Jaeger datasources as bundled plugins and, by default,
    // tries to update them from grafana.com at start ("preinstall"); a failed update can leave a
    // bundled datasource unregistered (grafana/grafana#132528). Keep the bundled versions.
    GF_PLUGINS_PREINSTALL_DISABLED: "true",
    GF_PLUGINS_PREINSTALL_AUTO_UPDATE: "false",
    GF_LOG_LEVEL: "info",
    GF_METRICS_ENABLED: "true", // /metrics for Prometheus
    GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: `${GRAFANA_DASHBOARDS_DIR}/${STACK_HEALTH_DASHBOARD_UID}.json`,
  };
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The image ships busybox wget; /api/health answers once the database is migrated, which takes
 * 60-90 s on a fresh volume.
 */
export const grafanaHealthcheck = wgetCheck(
  `http://127.0.0.1:${CATALOG.grafana.ports.http}${GRAFANA_HEALTH_PATH}`,
  "2m0s",
);
