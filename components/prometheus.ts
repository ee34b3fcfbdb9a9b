import * as pulumi from "@pulumi/pulumi";
import {
  PROMETHEUS_DATA_DIR,
  PROMETHEUS_DOCKER_SOCKET,
  PROMETHEUS_PORT,
  PROMETHEUS_READY_PATH,
  prometheusCommand,
  prometheusFiles,
} from "../configs/prometheus";
import type { CommonServiceArgs, Hosts } from "./common";
import { Service, wgetCheck } from "./service";

export interface PrometheusArgs extends CommonServiceArgs {
  retention: string;
  scrapeInterval: string;
  adminApi: boolean;
  dockerSocket: pulumi.Input<string>;
  /** Observability network name: discovered containers are scraped over it. */
  networkName: string;
  /** Hosts of the enabled services: each gets a scrape job. */
  scrapeHosts: Partial<Hosts>;
}

/** Metric store: remote write from the collector, scrapes of the stack itself and labelled containers. */
export class Prometheus extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Prometheus", name, {}, opts);
    const h = args.scrapeHosts;
    const input = {
      hosts: { otelCollector: h.otel, loki: h.loki, jaeger: h.jaeger, grafana: h.grafana, traefik: h.traefik },
      externalHost: args.hosts.prometheus,
      externalPort: args.httpsPort,
      dockerNetwork: args.networkName,
      retention: args.retention,
      scrapeInterval: args.scrapeInterval,
      adminApi: args.adminApi,
    };
    this.service = new Service(
      `${name}-service`,
      {
        ...args,
        hostname: args.hosts.prometheus,
        command: prometheusCommand(input),
        files: prometheusFiles(input),
        volumes: [{ dockerName: `${args.volumePrefix}-prometheus-data`, containerPath: PROMETHEUS_DATA_DIR }],
        // docker_sd_configs reads container metadata; the image runs as nobody, so reading the
        // root-owned socket needs root. Read-only mount: discovery never writes.
        user: "0",
        hostMounts: [{ source: args.dockerSocket, target: PROMETHEUS_DOCKER_SOCKET }],
        // The image is busybox-based: its wget asks Prometheus' own readiness endpoint.
        healthcheck: wgetCheck(`http://127.0.0.1:${PROMETHEUS_PORT}${PROMETHEUS_READY_PATH}`, "20s"),
        route: { port: PROMETHEUS_PORT },
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
