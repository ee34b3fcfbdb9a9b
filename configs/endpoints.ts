/**
 * Where the stack answers, from the settings alone: the `urls`, `otlp` and `etcHosts` outputs and
 * the hosts of the `routing` output. Pure: the stack component and the outputs contract use it.
 */
import type { Settings } from "../settings/schema";
import { CATALOG, hostsFor, ROUTED_KEYS, type ServiceHost } from "./catalog";
import { externalUrl } from "./urls";

export interface OtlpEndpoints {
  grpc: string;
  http: string;
  internalGrpc: string;
  internalHttp: string;
  https?: string;
}

export interface StackEndpoints {
  /** https URL per enabled, routed service, keyed by its hostname part (`otel`, `loki`, ...). */
  urls: Partial<Record<ServiceHost, string>>;
  otlp: OtlpEndpoints | undefined;
  /** One /etc/hosts line: the public (else bind) address, then every routed host and consumer host. */
  etcHosts: string;
  /** `<name>` → `<domain>.<name>` per consumer host; undefined without Traefik. */
  routedHosts: Record<string, string> | undefined;
}

/** Hosts other stacks route through this Traefik, in the configured order: `<domain>.<name>`. */
export function consumerHostNames(s: Settings): string[] {
  return s.consumerHosts.map((h) => `${s.domain}.${h}`);
}

export function stackEndpoints(s: Settings): StackEndpoints {
  const hosts = hostsFor(s.domain);
  const on = (k: keyof typeof CATALOG) => s.services[k].enabled;
  const routed = ROUTED_KEYS.filter(on);
  const consumers = consumerHostNames(s);
  const urls = on("traefik")
    ? Object.fromEntries(routed.map((k) => [CATALOG[k].host, externalUrl(hosts[k], s.ports.https)]))
    : {};
  // Where clients reach the published ports: publicAddress, else the bind address.
  const address = s.publicAddress ?? s.bindAddress;
  const hostAddr = address.includes(":") ? `[${address}]` : address; // IPv6 in URLs needs brackets
  const otel = CATALOG.otelCollector;
  return {
    urls,
    otlp: on("otelCollector")
      ? {
          grpc: `http://${hostAddr}:${s.ports.otlpGrpc}`,
          http: `http://${hostAddr}:${s.ports.otlpHttp}`,
          internalGrpc: `http://${hosts.otelCollector}:${otel.ports.otlpGrpc}`,
          internalHttp: `http://${hosts.otelCollector}:${otel.ports.otlpHttp}`,
          https: urls.otel,
        }
      : undefined,
    etcHosts: [address, ...routed.map((k) => hosts[k]), ...consumers].join(" "),
    routedHosts: on("traefik") ? Object.fromEntries(s.consumerHosts.map((h, i) => [h, consumers[i]!])) : undefined,
  };
}
