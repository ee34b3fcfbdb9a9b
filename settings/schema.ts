/**
 * The whole config of the program: one zod schema, composed from the per-service schemas that
 * live next to their builders in configs/. Every value is validated once, here, at start.
 */
import { BlockList, isIP } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CATALOG, SERVICE_KEYS, type ServiceKey } from "../configs/catalog";
import { alertingSettings } from "../configs/alertmanager";
import { grafanaSettings } from "../configs/grafana";
import { jaegerSettings } from "../configs/jaeger";
import { lokiSettings } from "../configs/loki";
import {
  collectorSettings,
  hostMetricsSettings,
  OTEL_MEMORY_HEADROOM_MIB,
  resourceAttributesSettings,
} from "../configs/otel-collector";
import { prometheusSettings } from "../configs/prometheus";
import { dnsLabel, dockerName, hours } from "../configs/schema";
import { backendsOffManager, fleetSettings } from "../configs/fleet";
import { STACK_CLIENTS, stackClientUser } from "../configs/web-auth";
import { base2Bytes, keepsData, diskShares, storageSettings } from "../configs/disk-budget";

// Image references: name[:tag][@digest]; a tag is required so deployments are reproducible.
const imageRef = z
  .string()
  .regex(
    /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(@sha256:[a-f0-9]{64})?$|^[a-z0-9]+([._/:-][a-z0-9]+)*@sha256:[a-f0-9]{64}$/,
    "must be an image reference with an explicit tag or digest, e.g. grafana/loki:3.7.7",
  );

const port = z.number().int().min(1).max(65535);

// Parsed, not compared as text: `::0`, `0:0:0:0:0:0:0:0` and `::ffff:0.0.0.0` all mean "every interface".
const ALL_INTERFACES = new BlockList();
ALL_INTERFACES.addAddress("0.0.0.0", "ipv4");
ALL_INTERFACES.addAddress("::", "ipv6");

/** Whether a host address listens on every interface, however it is spelt. */
export function isAllInterfaces(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (ALL_INTERFACES.check(address, family === 4 ? "ipv4" : "ipv6")) return true;
  // IPv4-mapped IPv6 (::ffff:0.0.0.0): BlockList compares it as IPv6 only.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped !== null && ALL_INTERFACES.check(mapped[1]!, "ipv4");
}

function serviceSchema(key: ServiceKey) {
  const { image, memoryMb } = CATALOG[key];
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      image: imageRef.default(image),
      memoryMb: z.number().int().min(64).max(65536).default(memoryMb),
    })
    .prefault({});
}

export const NETWORK_ROLES = ["observability", "data", "messaging", "cicd", "temporal"] as const;
export type NetworkRole = (typeof NETWORK_ROLES)[number];
/** The networks other projects attach to; `platformNetworks: false` leaves them to another stack. */
export const PLATFORM_NETWORK_ROLES = ["data", "messaging", "cicd", "temporal"] as const;

/** The networks this stack creates: observability, and the platform's unless another stack owns them. */
export function stackNetworkRoles(s: { platformNetworks: boolean }): readonly NetworkRole[] {
  return s.platformNetworks
    ? NETWORK_ROLES
    : NETWORK_ROLES.filter((r) => !(PLATFORM_NETWORK_ROLES as readonly string[]).includes(r));
}

/** Routed surfaces behind the operator's basic auth (Grafana has its own login). */
export const OPERATOR_SURFACES = [
  "prometheus",
  "loki",
  "jaeger",
  "alertmanager",
  "traefik",
] as const satisfies readonly ServiceKey[];
/** Every routed surface that asks for credentials: the operator's, and the OTLP token (collector). */
export const AUTH_SURFACES = [...OPERATOR_SURFACES, "otelCollector"] as const satisfies readonly ServiceKey[];

const network = z.strictObject({ name: dockerName.optional() }).prefault({});

export const settingsSchema = z
  .strictObject({
    /** Hostname prefix: services answer at `<domain>.<service>`. Cosmetic: changing it keeps all data. */
    domain: dnsLabel.default("scaibu"),
    /**
     * Identity of this deployment's Docker objects that outlive a container: data volumes
     * (`<instanceName>-<service>-data`) and default network names (`<instanceName>-<role>-network`).
     * Changing it replaces them. It does not follow `domain`.
     */
    instanceName: dnsLabel.default("scaibu"),
    /** Adopt data volumes owned by this `<project>/<stack>` (after renaming the stack or project). */
    adoptVolumesFrom: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+$/, "must be <project>/<stack>, the owner named in the refusal message")
      .optional(),
    /** Host address every published port binds to. */
    bindAddress: z
      .string()
      .transform((v) => v.replace(/^\[|\]$/g, "")) // [::1] → ::1, as Docker's port bindings want it
      .refine((v) => isIP(v) !== 0, "must be an IP address such as 127.0.0.1")
      .default("127.0.0.1"),
    /** Binding to 0.0.0.0/:: exposes the stack to the network; it must be asked for explicitly. */
    allowAllInterfaces: z.boolean().default(false),
    /**
     * The address clients reach the published ports at, when it is not bindAddress (a remote
     * Docker host, NAT, bindAddress 0.0.0.0): the etcHosts line and the otlp host URLs use it.
     */
    publicAddress: z
      .string()
      .transform((v) => v.replace(/^\[|\]$/g, ""))
      .refine(
        (v) => isIP(v) !== 0,
        "must be an IP address clients can reach, such as 192.0.2.10 (it goes into /etc/hosts)",
      )
      .refine((v) => !isAllInterfaces(v), "must be one address clients can reach, not every interface")
      .optional(),
    /**
     * Names of hosts that other stacks route through this Traefik: each `<domain>.<name>` goes on
     * the server certificate and into the `routing` output (e.g. ["app"] for `https://scaibu.app`).
     */
    consumerHosts: z.array(dnsLabel).default([]),
    ports: z
      .strictObject({
        http: port.default(80),
        https: port.default(443),
        otlpGrpc: port.default(4317),
        otlpHttp: port.default(4318),
      })
      .prefault({}),
    networks: z
      .strictObject({
        observability: z
          .strictObject({
            name: dockerName.optional(),
            subnet: z
              .cidrv4("must be an IPv4 CIDR block such as 172.28.0.0/16")
              .refine(
                (c) => Number(c.split("/")[1]) <= 30,
                "must leave room for a gateway and containers (/30 or wider)",
              )
              .default("172.28.0.0/16"),
          })
          .prefault({}),
        data: network,
        messaging: network,
        cicd: network,
        temporal: network,
      })
      .prefault({}),
    /** Create the shared data/messaging/cicd/temporal networks (false: another stack owns them). */
    platformNetworks: z.boolean().default(true),
    services: z
      .strictObject(
        Object.fromEntries(SERVICE_KEYS.map((k) => [k, serviceSchema(k)])) as {
          [K in ServiceKey]: ReturnType<typeof serviceSchema>;
        },
      )
      .prefault({}),
    certificate: z
      .strictObject({
        /** The CA's own subject; applied when the CA is minted (first `up` or a rotation). */
        caCommonName: z.string().min(1).max(64).default("scaibu observability local CA"),
        caOrganization: z.string().min(1).max(64).default("Scaibu Observability"),
        caValidityHours: hours(24).default(87600),
        validityHours: hours(24).default(8760),
        /** Organization of the server certificate. */
        organization: z.string().min(1).max(64).default("Scaibu Observability"),
      })
      .prefault({}),
    auth: z
      .strictObject({
        /** false: no basic auth on any surface (a throwaway laptop stack); preview warns. */
        enabled: z.boolean().default(true),
        /** Surfaces left open although auth is on; preview warns. */
        open: z.array(z.enum(AUTH_SURFACES)).default([]),
        /** Require the OTLP token on the host ports 4317/4318 too (loopback apps then send it). */
        otlpTokenOnHost: z.boolean().default(false),
        /** Login of the operator credentials (the password is generated). */
        operatorUser: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 of letters, digits and . _ -")
          .default("admin"),
      })
      .prefault({}),
    /**
     * Keep named data volumes (Loki, Prometheus, Jaeger, Grafana, the collector's queue) when the
     * stack is destroyed, or when a config change stops declaring one.
     */
    keepDataVolumes: z.boolean().default(false),
    /**
     * Data volumes (Docker names) that a config change may delete with their data. Without it, and
     * without keepDataVolumes, such a change fails `preview`, naming the key and the volume.
     */
    acceptDataLoss: z.array(dockerName).default([]),
    /** Keep images in the local Docker cache on destroy (they are shared with other projects). */
    keepImages: z.boolean().default(true),
    /** Tail the host's container logs into Loki (mounts /var/lib/docker/containers read-only). */
    collectDockerLogs: z.boolean().default(true),
    /** Host path of the Docker socket; only the socket proxy mounts it. */
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
    prometheus: prometheusSettings,
    loki: lokiSettings,
    jaeger: jaegerSettings,
    grafana: grafanaSettings,
    /** Alert delivery: receivers, the route tree, SMTP, the heartbeat (configs/alertmanager.ts). */
    alerting: alertingSettings,
    collector: collectorSettings,
    /** Metrics of the Docker host and its containers, collected by the collector (on by default). */
    hostMetrics: hostMetricsSettings,
    /** Extra resource attributes the collector stamps on all telemetry (e.g. deployment.environment). */
    resourceAttributes: resourceAttributesSettings,
    /** The disk budget of the data volumes and its split (configs/disk-budget.ts). */
    storage: storageSettings,
    /** This Docker host only, or every node of a Docker Swarm (configs/fleet.ts, docs/fleet.md). */
    fleet: fleetSettings,
  })
  .superRefine((s, ctx) => {
    if (isAllInterfaces(s.bindAddress) && !s.allowAllInterfaces) {
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
    for (const role of NETWORK_ROLES) {
      const name = networkName(s, role);
      const other = names.get(name);
      if (other)
        ctx.addIssue({
          code: "custom",
          path: ["networks", role, "name"],
          message: `must differ from networks.${other}.name`,
        });
      names.set(name, role);
    }
    const serviceHosts = new Set<string>(Object.values(CATALOG).map((c) => c.host));
    s.consumerHosts.forEach((h, i) => {
      if (serviceHosts.has(h) || s.consumerHosts.indexOf(h) !== i) {
        ctx.addIssue({
          code: "custom",
          path: ["consumerHosts", i],
          message: `"${h}" is taken (by a service of this stack or earlier in the list); allowed: any other DNS label`,
        });
      }
    });
    const clientUsers = STACK_CLIENTS.map(stackClientUser);
    if (clientUsers.includes(s.auth.operatorUser)) {
      ctx.addIssue({
        code: "custom",
        path: ["auth", "operatorUser"],
        message: `"${s.auth.operatorUser}" is one of the stack's own client logins on Prometheus, Alertmanager and Jaeger (configs/web-auth.ts); allowed: any name but ${clientUsers.join(", ")}`,
      });
    }
    if (s.auth.otlpTokenOnHost && !s.auth.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["auth", "otlpTokenOnHost"],
        message: "needs auth.enabled: true (with auth off there is no token to require)",
      });
    }
    const collectorMb = s.services.otelCollector.memoryMb;
    if (s.collector.memoryLimitMib > collectorMb - OTEL_MEMORY_HEADROOM_MIB) {
      ctx.addIssue({
        code: "custom",
        path: ["collector", "memoryLimitMib"],
        message: `must be at most services.otelCollector.memoryMb - ${OTEL_MEMORY_HEADROOM_MIB} (${collectorMb - OTEL_MEMORY_HEADROOM_MIB}): the container needs room beyond it, or the kernel kills the collector before it refuses data`,
      });
    }
    // Traefik, Prometheus and the collector's docker_stats read the Docker API only through the proxy.
    const readers = [
      ...(["traefik", "prometheus"] as const).filter((k) => s.services[k].enabled).map((k) => `services.${k}`),
      ...(s.services.otelCollector.enabled && s.hostMetrics.containers ? ["hostMetrics.containers"] : []),
    ];
    for (const reader of readers) {
      if (!s.services.socketProxy.enabled) {
        ctx.addIssue({
          code: "custom",
          path: ["services", "socketProxy", "enabled"],
          message: `must stay true while ${reader} is on (it reads the Docker API through the proxy)`,
        });
      }
    }
    // The node agents send to the collector, the fleet's gateway.
    if (s.fleet.mode === "swarm" && !s.services.otelCollector.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["fleet", "mode"],
        message: "swarm needs services.otelCollector.enabled: true (the collector is the node agents' gateway)",
      });
    }
    if (s.fleet.mode === "swarm" && !s.hostMetrics.enabled && !s.collectDockerLogs) {
      ctx.addIssue({
        code: "custom",
        path: ["fleet", "mode"],
        message:
          "swarm needs hostMetrics.enabled or collectDockerLogs (the node agents collect those two; with both off they would have nothing to send)",
      });
    }
    const jaegerKeepsData = s.services.jaeger.enabled && s.jaeger.storage === "badger";
    if (s.fleet.backendPlacement.length && s.fleet.mode !== "swarm") {
      ctx.addIssue({
        code: "custom",
        path: ["fleet", "backendPlacement"],
        message: "places the backends that run as Swarm services: it needs fleet.mode swarm (or leave it empty)",
      });
    }
    // Swarm creates a placed backend's volume on the node its task lands on, where nothing of the
    // stack (which talks to the manager alone) can remove it at destroy: so it is kept, by the user's word.
    if (backendsOffManager(s) && jaegerKeepsData && !s.keepDataVolumes) {
      ctx.addIssue({
        code: "custom",
        path: ["fleet", "backendPlacement"],
        message:
          `[${s.fleet.backendPlacement.join(", ")}] puts Jaeger's data volume on a node this stack cannot remove it from at destroy; ` +
          "set keepDataVolumes: true to keep it there (docs/fleet.md), or leave backendPlacement empty (the manager Pulumi deploys through)",
      });
    }
    const fleetNetwork = s.fleet.networkName ?? `${s.instanceName}-fleet-network`;
    for (const role of NETWORK_ROLES) {
      if (s.fleet.mode === "swarm" && networkName(s, role) === fleetNetwork) {
        ctx.addIssue({
          code: "custom",
          path: ["fleet", "networkName"],
          message: `must differ from networks.${role}.name (${fleetNetwork})`,
        });
      }
    }
    // An explicit Prometheus size cap must fit in its share of the budget.
    const promShare = diskShares(s.storage, keepsData(s)).prometheus;
    if (s.prometheus.retentionSize && promShare !== undefined && base2Bytes(s.prometheus.retentionSize) > promShare) {
      ctx.addIssue({
        code: "custom",
        path: ["prometheus", "retentionSize"],
        message: `must fit in Prometheus' share of storage.budgetGb (${(promShare / 1024 ** 3).toFixed(2)} GiB of ${s.storage.budgetGb}): raise storage.budgetGb or storage.shares.prometheus, or leave it unset (85 % of the share)`,
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

type Parsed = z.output<typeof settingsSchema>;

/** Docker name of a network: as configured, else `<instanceName>-<role>-network`. */
function networkName(s: Parsed, role: NetworkRole): string {
  return s.networks[role].name ?? `${s.instanceName}-${role}-network`;
}

/** Validated settings, with every default (network names included) resolved, secrets as secrets. */
export type Settings = Omit<Parsed, "networks" | "grafana"> & {
  networks: Record<NetworkRole, { name: string }> & { observability: { subnet: string } };
  grafana: Omit<Parsed["grafana"], "adminPassword"> & { adminPassword?: pulumi.Output<string> };
};

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
  if (!result.success) {
    throw new SettingsError(
      result.error.issues.map((issue) => {
        const path = issue.path.map(String);
        const key = `${project}:${path.join(".")}`;
        if (issue.code === "unrecognized_keys") {
          const where = path.length ? `${key}.` : `${project}:`;
          return `${issue.keys.map((k) => `${where}${k}`).join(", ")}: unknown key (allowed: ${allowedKeysAt(path).join(", ")})`;
        }
        const given = valueAt(raw, issue.path);
        const shown = schemaAt(path)?.secret ? "[secret]" : (JSON.stringify(given) ?? "(unset)");
        return `${key} = ${shown}: ${issue.message}`;
      }),
    );
  }
  const s = result.data;
  const networks = Object.fromEntries(NETWORK_ROLES.map((r) => [r, { ...s.networks[r], name: networkName(s, r) }]));
  const { adminPassword, ...grafana } = s.grafana;
  return {
    ...s,
    networks: networks as Settings["networks"],
    grafana: { ...grafana, adminPassword: adminPassword === undefined ? undefined : pulumi.secret(adminPassword) },
  };
}

function schemaAt(path: readonly string[]): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = inputJsonSchema();
  for (const p of path) {
    // An object's key, a record's value (`additionalProperties`) or an array's item.
    node = node?.properties?.[p] ?? node?.additionalProperties ?? node?.items;
  }
  return node;
}

function allowedKeysAt(path: readonly string[]): string[] {
  // Every object level of the input's JSON schema lists its keys.
  return Object.keys(schemaAt(path)?.properties ?? {});
}

interface JsonSchemaNode {
  type?: string | string[];
  secret?: boolean;
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode;
  items?: JsonSchemaNode;
}

let jsonSchema: JsonSchemaNode | undefined;

/** The JSON schema of what a user may write; the loader reads each key's type from it. */
export function inputJsonSchema(): JsonSchemaNode {
  jsonSchema ??= z.toJSONSchema(settingsSchema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
  return jsonSchema;
}

/** Whether a service's routed surface asks for credentials under these settings. */
export function isGuarded(s: Settings, key: ServiceKey): boolean {
  return (
    (AUTH_SURFACES as readonly ServiceKey[]).includes(key) &&
    s.auth.enabled &&
    !(s.auth.open as readonly ServiceKey[]).includes(key)
  );
}
