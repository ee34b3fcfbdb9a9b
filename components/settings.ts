import { isIP } from "node:net";
import { z } from "zod";
import { STACK_MARKER_ATTRIBUTE } from "../configs/otel-collector";

/** Default images: the versions this program is tested against. */
export const DEFAULT_IMAGES = {
  traefik: "traefik:v3.7.13",
  otelCollector: "otel/opentelemetry-collector-contrib:0.161.0",
  loki: "grafana/loki:3.7.7",
  prometheus: "prom/prometheus:v3.14.0",
  jaeger: "jaegertracing/jaeger:2.21.0",
  grafana: "grafana/grafana:13.2.1",
} as const;

export type ServiceKey = keyof typeof DEFAULT_IMAGES;
export const SERVICE_KEYS = Object.keys(DEFAULT_IMAGES) as ServiceKey[];

const DEFAULT_MEMORY_MB: Record<ServiceKey, number> = {
  traefik: 256,
  otelCollector: 512, // memory_limiter is 400 MiB; leave headroom above it
  loki: 1024,
  prometheus: 1024,
  jaeger: 512,
  grafana: 512,
};

// A DNS label: what may stand on either side of the dot in `scaibu.<service>`.
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a lowercase DNS label (a-z, 0-9, '-', 1-63 chars)");

const dockerName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, "must be a Docker object name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)");

// Image references: name[:tag][@digest]; a tag is required so deployments are reproducible.
const imageRef = z
  .string()
  .regex(
    /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(@sha256:[a-f0-9]{64})?$|^[a-z0-9]+([._/:-][a-z0-9]+)*@sha256:[a-f0-9]{64}$/,
    "must be an image reference with an explicit tag or digest, e.g. grafana/loki:3.7.7",
  );

const port = z.number().int().min(1).max(65535);

const cidr = z.string().refine((v) => {
  const [ip, bits, ...rest] = v.split("/");
  if (rest.length || ip === undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
  const family = isIP(ip);
  const n = Number(bits);
  return family === 4 ? n <= 32 : family === 6 ? n <= 128 : false;
}, "must be a CIDR block, e.g. 172.28.0.0/16");

const ALL_INTERFACES = new Set(["0.0.0.0", "::"]);

const duration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, "must be a Prometheus duration such as 15d, 720h or 1w");

const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6 };

/** Milliseconds in a Prometheus duration such as 1h30m. */
export function durationMs(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * UNIT_MS[unit!]!;
  return total;
}

function serviceSchema(key: ServiceKey) {
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      image: imageRef.default(DEFAULT_IMAGES[key]),
      memoryMb: z.number().int().min(64).max(65536).default(DEFAULT_MEMORY_MB[key]),
    })
    .default({ enabled: true, image: DEFAULT_IMAGES[key], memoryMb: DEFAULT_MEMORY_MB[key] });
}

const networkSchema = (name: string) => z.strictObject({ name: dockerName.default(name) }).default({ name });

export const settingsSchema = z
  .strictObject({
    /** Hostname prefix: services answer at `<domain>.<service>`. */
    domain: dnsLabel.default("scaibu"),
    /** Host address every published port binds to. */
    bindAddress: z
      .string()
      .transform((v) => v.replace(/^\[|\]$/g, "")) // [::1] → ::1, as Docker's port bindings want it
      .refine((v) => isIP(v) !== 0, "must be an IP address such as 127.0.0.1")
      .default("127.0.0.1"),
    /** Binding to 0.0.0.0/:: exposes the stack to the network; it must be asked for explicitly. */
    allowAllInterfaces: z.boolean().default(false),
    ports: z
      .strictObject({
        http: port.default(80),
        https: port.default(443),
        otlpGrpc: port.default(4317),
        otlpHttp: port.default(4318),
      })
      .default({ http: 80, https: 443, otlpGrpc: 4317, otlpHttp: 4318 }),
    networks: z
      .strictObject({
        observability: z
          .strictObject({
            name: dockerName.default("observability-network"),
            subnet: cidr.default("172.28.0.0/16"),
          })
          .default({ name: "observability-network", subnet: "172.28.0.0/16" }),
        data: networkSchema("data-network"),
        messaging: networkSchema("messaging-network"),
        cicd: networkSchema("cicd-network"),
        temporal: networkSchema("temporal-network"),
      })
      .default({
        observability: { name: "observability-network", subnet: "172.28.0.0/16" },
        data: { name: "data-network" },
        messaging: { name: "messaging-network" },
        cicd: { name: "cicd-network" },
        temporal: { name: "temporal-network" },
      }),
    services: z
      .strictObject({
        traefik: serviceSchema("traefik"),
        otelCollector: serviceSchema("otelCollector"),
        loki: serviceSchema("loki"),
        prometheus: serviceSchema("prometheus"),
        jaeger: serviceSchema("jaeger"),
        grafana: serviceSchema("grafana"),
      })
      .prefault({}),
    certificate: z
      .strictObject({
        caValidityHours: z.number().int().min(24).max(876000).default(87600),
        validityHours: z.number().int().min(24).max(876000).default(8760),
        organization: z.string().min(1).max(64).default("Scaibu Observability"),
      })
      .prefault({}),
    /** Keep named data volumes (Loki, Prometheus, Jaeger, Grafana) when the stack is destroyed. */
    keepDataVolumes: z.boolean().default(false),
    /** Keep images in the local Docker cache on destroy (they are shared with other projects). */
    keepImages: z.boolean().default(true),
    /** Tail the host's container logs into Loki (mounts /var/lib/docker/containers read-only). */
    collectDockerLogs: z.boolean().default(true),
    dockerSocket: z
      .string()
      .regex(/^\/[^\s]*$/, "must be an absolute path to the Docker socket on the Docker host")
      .default("/var/run/docker.sock"),
    logRotation: z
      .strictObject({
        maxSize: z
          .string()
          .regex(/^\d+[kmg]$/, "must be a size such as 10m")
          .default("10m"),
        maxFile: z.number().int().min(1).max(100).default(3),
      })
      .prefault({}),
    prometheus: z
      .strictObject({
        retention: duration.default("15d"),
        scrapeInterval: duration.refine((d) => durationMs(d) >= 1000, "must be at least 1s").default("30s"),
        adminApi: z.boolean().default(true),
      })
      .prefault({}),
    loki: z
      .strictObject({
        // Loki's compactor works in whole index periods (24h), so retention must be one too.
        retentionHours: z
          .number()
          .int()
          .min(24)
          .max(876000)
          .refine((h) => h % 24 === 0, "must be a multiple of 24 (Loki's index period is 24h)")
          .default(720),
      })
      .prefault({}),
    jaeger: z
      .strictObject({
        storage: z.enum(["badger", "memory"]).default("badger"),
        retentionHours: z.number().int().min(1).max(876000).default(72),
      })
      .prefault({}),
    grafana: z.strictObject({ adminUser: dnsLabel.default("admin") }).prefault({}),
    /** Extra resource attributes the collector stamps on all telemetry (e.g. deployment.environment). */
    resourceAttributes: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be an attribute key of letters, digits, _ . -"), z.string())
      .default({}),
  })
  .superRefine((s, ctx) => {
    if (ALL_INTERFACES.has(s.bindAddress) && !s.allowAllInterfaces) {
      ctx.addIssue({
        code: "custom",
        path: ["bindAddress"],
        message: `must not bind every interface by default (it exposes the stack to the network; use a specific address such as 127.0.0.1, or set allowAllInterfaces: true to mean it)`,
      });
    }
    const seen = new Map<number, string>();
    for (const [k, p] of Object.entries(s.ports)) {
      const other = seen.get(p);
      if (other)
        ctx.addIssue({ code: "custom", path: ["ports", k], message: `must differ from ports.${other} (both ${p})` });
      seen.set(p, k);
    }
    const names = new Map<string, string>();
    for (const [k, n] of Object.entries(s.networks)) {
      const other = names.get(n.name);
      if (other)
        ctx.addIssue({
          code: "custom",
          path: ["networks", k, "name"],
          message: `must differ from networks.${other}.name`,
        });
      names.set(n.name, k);
    }
    if (STACK_MARKER_ATTRIBUTE in s.resourceAttributes) {
      ctx.addIssue({
        code: "custom",
        path: ["resourceAttributes", STACK_MARKER_ATTRIBUTE],
        message: "is reserved: the stack sets it on all telemetry itself",
      });
    }
    // The collector exports to, and Grafana reads from, all three stores.
    const backends = s.services.prometheus.enabled && s.services.loki.enabled && s.services.jaeger.enabled;
    for (const [svc, role] of [
      ["grafana", "its datasources"],
      ["otelCollector", "its exporters"],
    ] as const) {
      if (s.services[svc].enabled && !backends) {
        ctx.addIssue({
          code: "custom",
          path: ["services", svc, "enabled"],
          message: `needs services.prometheus, services.loki and services.jaeger enabled (${role}); disable it too or enable them`,
        });
      }
    }
  });

export type Settings = z.output<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

/** Top-level config keys, read one by one from Pulumi config so an unknown key can be named. */
export const SETTINGS_KEYS = Object.keys(settingsSchema.shape) as (keyof SettingsInput)[];

export class SettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  - ${issues.join("\n  - ")}`);
    this.name = "SettingsError";
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/**
 * Validates raw config (as read from Pulumi config, keys without the project prefix) and
 * fills defaults. Every problem is reported with its key, the value given and what is allowed.
 */
export function parseSettings(raw: unknown, project = "scaibu-observability"): Settings {
  const result = settingsSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    const key = `${project}:${path.join(".")}`;
    if (issue.code === "unrecognized_keys") {
      const where = path.length ? `${key}.` : `${project}:`;
      return `${issue.keys.map((k) => `${where}${k}`).join(", ")}: unknown key (allowed: ${allowedKeysAt(path).join(", ")})`;
    }
    const given = valueAt(raw, issue.path);
    return `${key} = ${JSON.stringify(given) ?? "(unset)"}: ${issue.message}`;
  });
  throw new SettingsError(issues);
}

function allowedKeysAt(path: readonly string[]): string[] {
  // Walk the defaults: every object level of the schema has all its keys filled in.
  const defaults = settingsSchema.parse({});
  const node = valueAt(defaults, path);
  return node && typeof node === "object" ? Object.keys(node) : [];
}
