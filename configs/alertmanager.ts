/**
 * Alertmanager (prom/alertmanager:v0.35.0): the `alerting` config key, and the alertmanager.yml
 * it renders, with every credential in a file of its own (`*_file` fields) that the stack uploads
 * as a secret: never in env, `docker inspect`, logs or plain outputs (prometheus/alertmanager#504:
 * no secrets from env upstream).
 *
 * Keys read at v0.35.0 (module github.com/prometheus/alertmanager@v0.35.0; docs/upstream.md):
 * config/config.go (GlobalConfig smtp_*, smtp_auth_password_file, smtp_require_tls default true;
 * Route; Receiver; strict YAML), config/common/inhibitrule.go (source_matchers, target_matchers,
 * equal), notify/webhook/config.go (url_file, send_resolved default true), notify/email/config.go
 * (to, send_resolved), notify/slack/config.go (api_url_file, channel). `*_file` paths are not
 * resolved against the config's directory: they are absolute here.
 */
import { z } from "zod";
import { CATALOG } from "./catalog";
import { duration, durationMs, secretString } from "./schema";
import { wgetCheck, type ConfigFile, type HealthcheckSpec } from "./types";
import { stackClientFile } from "./web-auth";
import { toYaml } from "./yaml";

export const ALERTMANAGER_CONFIG_PATH = "/etc/alertmanager/alertmanager.yml";
/** Where the credential files go (each a secret upload, readable by Alertmanager's group only). */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";
/** exporter-toolkit's web config (`--web.config.file`, configs/web-auth.ts), an uploaded secret. */
export const ALERTMANAGER_WEB_CONFIG_PATH = "/etc/alertmanager/web.yml";
/** The stack client's password (an uploaded secret), for the health check's amtool. */
export const ALERTMANAGER_CLIENT_PASSWORD_PATH = "/etc/alertmanager/stack-client-password";
/** amtool's client config in the health check (`--http.config.file`). */
export const ALERTMANAGER_CLIENT_CONFIG_PATH = "/etc/alertmanager/stack-client.yml";
/** The image's data directory (owned by nobody in the image): silences and the notification log. */
export const ALERTMANAGER_DATA_DIR = "/alertmanager";
/** The receiver of alerts nobody configured a receiver for: they stay visible, nothing is sent. */
export const NO_RECEIVER = "undelivered";
/** The dead-man's switch: Watchdog always fires and goes here, so a silent heartbeat means a dead pipeline. */
export const HEARTBEAT_RECEIVER = "heartbeat";
const RESERVED = [NO_RECEIVER, HEARTBEAT_RECEIVER];

/** A URL that may carry a token: a secret, validated as an http(s) URL. */
const secretUrl = z
  .string()
  .regex(/^https?:\/\/[^\s]+$/, "must be an http:// or https:// URL")
  .meta({ secret: true }); // the loader never prints a secret's value in an error

/** One matcher in Alertmanager's syntax: `label="value"`, `!=`, `=~`, `!~`. */
const matcher = z
  .string()
  .regex(
    /^[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"[^"]*"$/,
    'must be a matcher such as severity="critical" or service=~"api|web"',
  );
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a label name");
const positive = duration.refine((d) => durationMs(d) > 0, "must be longer than 0");

const timing = {
  groupBy: z.array(labelName).optional(),
  groupWait: duration.optional(),
  groupInterval: positive.optional(),
  repeatInterval: positive.optional(),
};

interface ChildRoute {
  matchers: string[];
  receiver: string;
  continue?: boolean;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  routes?: ChildRoute[];
}

const childRoute: z.ZodType<ChildRoute> = z.lazy(() =>
  z.strictObject({
    matchers: z.array(matcher).min(1),
    receiver: z.string(),
    continue: z.boolean().optional(),
    ...timing,
    routes: z.array(childRoute).optional(),
  }),
);

const receiver = z
  .strictObject({
    /** Webhooks (Alertmanager's JSON, version 4); the URL is a secret (it often carries a token). */
    webhooks: z.array(z.strictObject({ url: secretUrl })).default([]),
    /** Emails through `alerting.smtp`. */
    emails: z.array(z.strictObject({ to: z.email("must be an email address") })).default([]),
    /** Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat...); the URL is a secret. */
    slack: z.array(z.strictObject({ apiUrl: secretUrl, channel: z.string().min(1).optional() })).default([]),
  })
  .refine(
    (r) => r.webhooks.length + r.emails.length + r.slack.length > 0,
    "must have a webhook, an email or a slack entry",
  );

/** The `alerting` config key. */
export const alertingSettings = z
  .strictObject({
    /** Named receivers; a route names one. */
    receivers: z
      .record(z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be a name of letters, digits, _ and -"), receiver)
      .default({}),
    /** The route tree: its receiver takes whatever no child route matches. */
    route: z
      .strictObject({
        receiver: z.string().optional(),
        groupBy: z.array(labelName).default(["alertname", "job", "instance"]),
        groupWait: duration.default("30s"),
        groupInterval: positive.default("5m"),
        repeatInterval: positive.default("4h"),
        routes: z.array(childRoute).default([]),
      })
      .prefault({}),
    /** The mail server every email receiver uses. */
    smtp: z
      .strictObject({
        /** host:port, e.g. smtp.example.com:587. */
        smarthost: z.string().regex(/^[^\s:]+:\d{1,5}$/, "must be host:port, e.g. smtp.example.com:587"),
        from: z.email("must be an email address"),
        username: z.string().min(1).optional(),
        password: secretString(1).optional(),
        /** STARTTLS required (Alertmanager's default); false only for a server that speaks none, on purpose. */
        requireTls: z.boolean().default(true),
      })
      .optional(),
    /** The dead-man's switch: an always-firing Watchdog alert, sent to this URL every `interval`. */
    heartbeat: z.strictObject({ url: secretUrl, interval: positive.default("5m") }).optional(),
    /** Inhibit rules: critical hides warning/info of the same alert and instance; TargetDown hides that target's others. */
    defaultInhibitRules: z.boolean().default(true),
    /**
     * Caps every alert rule's `for` (e.g. `10s`): for tests and demos that must see an alert fire
     * soon. Unset: each rule keeps its own.
     */
    maxFor: duration.optional(),
  })
  .superRefine((a, ctx) => {
    const names = new Set(Object.keys(a.receivers));
    for (const n of names) {
      if (RESERVED.includes(n)) {
        ctx.addIssue({
          code: "custom",
          path: ["receivers", n],
          message: `"${n}" is the stack's own receiver; use another name`,
        });
      }
    }
    const check = (r: { receiver?: string; routes?: ChildRoute[] }, path: (string | number)[]) => {
      if (r.receiver !== undefined && !names.has(r.receiver)) {
        ctx.addIssue({
          code: "custom",
          path: [...path, "receiver"],
          message: `names no receiver (configured: ${[...names].sort().join(", ") || "none"}); add it under alerting.receivers`,
        });
      }
      (r.routes ?? []).forEach((c, i) => check(c, [...path, "routes", i]));
    };
    check(a.route, ["route"]);
    if (!a.smtp && Object.values(a.receivers).some((r) => r.emails.length > 0)) {
      ctx.addIssue({
        code: "custom",
        path: ["smtp"],
        message: "is needed by the email receivers: set its smarthost and from",
      });
    }
  })
  .prefault({});

export type AlertingSettings = z.output<typeof alertingSettings>;

export interface AlertmanagerInput {
  alerting: AlertingSettings;
  /** Public URL of Alertmanager (`https://<domain>.alertmanager`), for links in notifications. */
  externalUrl: string;
  /** Alertmanager asks every caller for credentials (configs/web-auth.ts): its route is guarded. */
  selfAuth?: boolean;
}

const secretPath = (name: string) => `${ALERTMANAGER_SECRETS_DIR}/${name}`;

/** Whether any alert can reach a person (preview warns when none can). */
export function deliversAlerts(a: AlertingSettings): boolean {
  return Object.keys(a.receivers).length > 0;
}

function renderRoute(r: ChildRoute): Record<string, unknown> {
  return {
    matchers: r.matchers,
    receiver: r.receiver,
    ...(r.continue !== undefined ? { continue: r.continue } : {}),
    ...(r.groupBy ? { group_by: r.groupBy } : {}),
    ...(r.groupWait ? { group_wait: r.groupWait } : {}),
    ...(r.groupInterval ? { group_interval: r.groupInterval } : {}),
    ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
    ...(r.routes?.length ? { routes: r.routes.map(renderRoute) } : {}),
  };
}

/** alertmanager.yml and the credential files it names (those are secrets). */
export function alertmanagerFiles(input: AlertmanagerInput): { files: ConfigFile[]; secretFiles: ConfigFile[] } {
  const a = input.alerting;
  const secretFiles: ConfigFile[] = [];
  const secret = (name: string, content: string) => {
    secretFiles.push({ path: secretPath(name), content });
    return secretPath(name);
  };
  const receivers: Record<string, unknown>[] = [{ name: NO_RECEIVER }];
  for (const [name, r] of Object.entries(a.receivers).sort(([x], [y]) => (x < y ? -1 : 1))) {
    receivers.push({
      name,
      ...(r.webhooks.length
        ? {
            webhook_configs: r.webhooks.map((w, i) => ({
              url_file: secret(`${name}-webhook-${i}`, w.url),
              send_resolved: true,
            })),
          }
        : {}),
      ...(r.emails.length ? { email_configs: r.emails.map((e) => ({ to: e.to, send_resolved: true })) } : {}),
      ...(r.slack.length
        ? {
            slack_configs: r.slack.map((sl, i) => ({
              api_url_file: secret(`${name}-slack-${i}`, sl.apiUrl),
              ...(sl.channel ? { channel: sl.channel } : {}),
              send_resolved: true,
            })),
          }
        : {}),
    });
  }
  if (a.heartbeat) {
    receivers.push({
      name: HEARTBEAT_RECEIVER,
      webhook_configs: [{ url_file: secret("heartbeat-url", a.heartbeat.url), send_resolved: false }],
    });
  }
  const smtp = a.smtp;
  const config = {
    global: {
      resolve_timeout: "5m",
      ...(smtp
        ? {
            smtp_smarthost: smtp.smarthost,
            smtp_from: smtp.from,
            smtp_require_tls: smtp.requireTls,
            ...(smtp.username ? { smtp_auth_username: smtp.username } : {}),
            ...(smtp.password ? { smtp_auth_password_file: secret("smtp-password", smtp.password) } : {}),
          }
        : {}),
    },
    route: {
      receiver: a.route.receiver ?? NO_RECEIVER,
      group_by: a.route.groupBy,
      group_wait: a.route.groupWait,
      group_interval: a.route.groupInterval,
      repeat_interval: a.route.repeatInterval,
      routes: [
        // First, and never continuing: the Watchdog reaches only the heartbeat, every interval.
        {
          matchers: ['alertname="Watchdog"'],
          receiver: a.heartbeat ? HEARTBEAT_RECEIVER : NO_RECEIVER,
          group_wait: "0s",
          group_interval: "1m",
          repeat_interval: a.heartbeat?.interval ?? "1h",
        },
        ...a.route.routes.map(renderRoute),
      ],
    },
    inhibit_rules: a.defaultInhibitRules
      ? [
          // As kube-prometheus does: the most severe alert of a kind hides the milder ones...
          {
            source_matchers: ['severity="critical"'],
            target_matchers: ['severity=~"warning|info"'],
            equal: ["alertname", "instance"],
          },
          {
            source_matchers: ['severity="warning"'],
            target_matchers: ['severity="info"'],
            equal: ["alertname", "instance"],
          },
          // ...and a target that is down hides its own other alerts (they follow from it).
          {
            source_matchers: ['alertname="TargetDown"'],
            target_matchers: ['alertname!="TargetDown"'],
            equal: ["job", "instance"],
          },
        ]
      : [],
    receivers,
  };
  const files = [{ path: ALERTMANAGER_CONFIG_PATH, content: toYaml(config) }];
  if (input.selfAuth)
    files.push(stackClientFile("alertmanager", ALERTMANAGER_CLIENT_CONFIG_PATH, ALERTMANAGER_CLIENT_PASSWORD_PATH));
  return { files, secretFiles };
}

/** Replaces the image CMD (ENTRYPOINT /bin/alertmanager stays): one instance, no HA cluster port. */
export function alertmanagerCommand(input: AlertmanagerInput): string[] {
  return [
    `--config.file=${ALERTMANAGER_CONFIG_PATH}`,
    `--storage.path=${ALERTMANAGER_DATA_DIR}`,
    // An empty address turns the gossip cluster (and its port 9094) off (cmd/alertmanager/main.go).
    "--cluster.listen-address=",
    `--web.external-url=${input.externalUrl}`,
    ...(input.selfAuth ? [`--web.config.file=${ALERTMANAGER_WEB_CONFIG_PATH}`] : []),
  ];
}

/**
 * Open, the image's busybox wget asks Alertmanager's readiness endpoint (httpserver/httpserver.go).
 * Behind the web config, the image's amtool (its Dockerfile at v0.35.0 copies /bin/amtool) asks
 * the API's status (`cluster show`, cli/cluster.go) with the stack client's login from
 * `--http.config.file` (cli/root.go): wget would need the password on its command line.
 */
export function alertmanagerHealthcheck(selfAuth: boolean | undefined): HealthcheckSpec {
  const url = `http://127.0.0.1:${CATALOG.alertmanager.ports.http}`;
  if (!selfAuth) return wgetCheck(`${url}/-/ready`, "10s");
  return {
    test: [
      "CMD",
      "/bin/amtool",
      `--alertmanager.url=${url}`,
      `--http.config.file=${ALERTMANAGER_CLIENT_CONFIG_PATH}`,
      "cluster",
      "show",
    ],
    startPeriod: "10s",
  };
}
