import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { PROMETHEUS_DATA_DIR, PROMETHEUS_DOCKER_SOCKET, PROMETHEUS_READY_PATH } from "../configs/prometheus";
import { ServiceComponent, wgetCheck, type ServiceParts } from "./service";

export interface PrometheusArgs extends ServiceParts {
  /** Host path of the Docker socket, for docker_sd_configs. */
  dockerSocket: string;
}

/** Metric store: remote write from the collector, scrapes of the stack itself and labelled containers. */
export class Prometheus extends ServiceComponent {
  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    const { http } = CATALOG.prometheus.ports;
    super(
      "Prometheus",
      name,
      args,
      () => ({
        volumes: [{ role: "data", containerPath: PROMETHEUS_DATA_DIR, formerIndex: 0 }],
        // docker_sd_configs reads container metadata; the image runs as nobody, so reading the
        // root-owned socket needs root. Read-only mount: discovery never writes.
        user: "0",
        hostMounts: [{ source: args.dockerSocket, target: PROMETHEUS_DOCKER_SOCKET }],
        // The image is busybox-based: its wget asks Prometheus' own readiness endpoint.
        healthcheck: wgetCheck(`http://127.0.0.1:${http}${PROMETHEUS_READY_PATH}`, "20s"),
        route: { port: http },
      }),
      opts,
    );
  }
}
