import * as pulumi from "@pulumi/pulumi";

/** Short service names: the `<service>` in `https://<domain>.<service>`. */
export type ServiceName = "traefik" | "otel" | "loki" | "prometheus" | "jaeger" | "grafana";
export const SERVICE_NAMES: readonly ServiceName[] = ["prometheus", "loki", "jaeger", "grafana", "otel", "traefik"];

/** In-network hostname of every service (also its container name and TLS name). */
export type Hosts = Record<ServiceName, string>;

export function hostsFor(domain: string): Hosts {
  return Object.fromEntries(SERVICE_NAMES.map((s) => [s, `${domain}.${s}`])) as Hosts;
}

/** What every service component receives from the stack. */
export interface CommonServiceArgs {
  image: pulumi.Input<string>;
  memoryMb: pulumi.Input<number>;
  keepImage: boolean;
  /** Keep this service's named volumes on destroy. */
  retainVolumes: boolean;
  /** Networks to join; the first is the observability network. */
  networks: pulumi.Input<string>[];
  /** Value of the io.scaibu.stack label: marks this stack's containers for Traefik and cleanup. */
  stackLabel: string;
  hosts: Hosts;
  /** Prefix of Docker volume names, e.g. `scaibu` → `scaibu-loki-data`. */
  volumePrefix: string;
  logRotation: { maxSize: string; maxFile: number };
  /** Traefik's public HTTPS port, for URLs a service puts in its own links. */
  httpsPort: number;
}
