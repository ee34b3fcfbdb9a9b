/**
 * Where the client sends: explicit options, then the standard OTEL_* variables, then the stack's
 * outputs, then the SDK's default (http://localhost:4318). The OTEL_* variables are read by the
 * OpenTelemetry SDK itself: when one of them names an endpoint, nothing is passed, so the SDK's
 * own rules (per-signal variables, headers, certificate) apply unchanged.
 */
import { readFileSync } from "node:fs";

/** `pulumi stack output --json --show-secrets > outputs.json`, then point this at the file. */
export const OUTPUTS_ENV = "SCAIBU_STACK_OUTPUTS";
/** Which of the stack's OTLP endpoints to use: host (default), internal or https. */
export const ROUTE_ENV = "SCAIBU_OTLP_ROUTE";
export const ROUTES = ["host", "internal", "https"] as const;
export type Route = (typeof ROUTES)[number];

const ENDPOINT_ENVS = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
  "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
];

/** The part of scaibu-observability's stack outputs the client reads (docs/outputs.schema.json). */
export interface StackOutputs {
  otlp: { http?: string; internalHttp?: string; https?: string; grpc?: string; internalGrpc?: string };
  caCertPem?: string;
  otlpToken?: string;
}

/** A setting the client cannot use; the message names the key, the value and what is allowed. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface Settings {
  /** OTLP/HTTP base URL (without /v1/...); undefined lets the SDK read OTEL_* or use its default. */
  endpoint?: string;
  headers?: Record<string, string>;
  /** PEM of the CA that signs the endpoint's certificate (the stack's own CA for route https). */
  ca?: string;
  source: "argument" | "environment" | "stack outputs" | "default";
  route?: Route;
}

export interface ResolveOptions {
  endpoint?: string;
  outputs?: StackOutputs;
  route?: string;
  headers?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

export function loadOutputs(env: NodeJS.ProcessEnv): StackOutputs | undefined {
  const path = env[OUTPUTS_ENV];
  if (!path) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`${OUTPUTS_ENV}='${path}': cannot read the stack outputs JSON (${(e as Error).message})`);
  }
  const otlp = (data as { otlp?: unknown } | null)?.otlp;
  if (typeof otlp !== "object" || otlp === null) {
    throw new ConfigError(
      `${OUTPUTS_ENV}='${path}': not the outputs of scaibu-observability ` +
        "(expected `pulumi stack output --json --show-secrets`, with an `otlp` object)",
    );
  }
  return data as StackOutputs;
}

function fromOutputs(outputs: StackOutputs, route: Route): Settings {
  const key = ({ host: "http", internal: "internalHttp", https: "https" } as const)[route];
  const endpoint = outputs.otlp?.[key];
  if (!endpoint) {
    const offered = Object.entries(outputs.otlp ?? {})
      .filter(([, v]) => v)
      .map(([k]) => k)
      .sort();
    throw new ConfigError(
      `route='${route}': the stack outputs have no otlp.${key} (this stack offers: ${offered.join(", ") || "none"})`,
    );
  }
  return {
    endpoint: endpoint.replace(/\/+$/, ""),
    headers: outputs.otlpToken ? { Authorization: `Bearer ${outputs.otlpToken}` } : undefined,
    ca: route === "https" ? outputs.caCertPem : undefined,
    source: "stack outputs",
    route,
  };
}

export function resolveSettings(o: ResolveOptions = {}): Settings {
  const env = o.env ?? process.env;
  const chosen = o.route ?? env[ROUTE_ENV] ?? "host";
  if (!(ROUTES as readonly string[]).includes(chosen)) {
    throw new ConfigError(`${o.route ? "route" : ROUTE_ENV}='${chosen}': must be one of ${ROUTES.join(", ")}`);
  }
  if (o.endpoint) {
    if (!/^https?:\/\//.test(o.endpoint)) {
      throw new ConfigError(`endpoint='${o.endpoint}': must be an http:// or https:// URL (OTLP/HTTP)`);
    }
    return { endpoint: o.endpoint.replace(/\/+$/, ""), headers: o.headers, source: "argument" };
  }
  if (ENDPOINT_ENVS.some((k) => env[k])) return { headers: o.headers, source: "environment" };
  const outputs = o.outputs ?? loadOutputs(env);
  if (outputs) {
    const s = fromOutputs(outputs, chosen as Route);
    const headers = { ...s.headers, ...o.headers };
    return { ...s, headers: Object.keys(headers).length ? headers : undefined };
  }
  return { headers: o.headers, source: "default" };
}
