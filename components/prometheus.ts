import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { PROMETHEUS_DATA_DIR, PROMETHEUS_DOCKER_SOCKET, PROMETHEUS_READY_PATH } from "../configs/prometheus";
import type { Rendered } from "./render";
import { Service, wgetCheck, type ServiceBase } from "./service";

export interface PrometheusArgs {
  base: ServiceBase;
  rendered: Rendered;
  /** Host path of the Docker socket, for docker_sd_configs. */
  dockerSocket: string;
}

/** Metric store: remote write from the collector, scrapes of the stack itself and labelled containers. */
export class Prometheus extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Prometheus", name, {}, opts);
    const { http } = CATALOG.prometheus.ports;
    this.service = new Service(
      `${name}-service`,
      {
        ...args.base,
        ...args.rendered,
        volumes: [{ role: "data", containerPath: PROMETHEUS_DATA_DIR, formerIndex: 0 }],
        // docker_sd_configs reads container metadata; the image runs as nobody, so reading the
        // root-owned socket needs root. Read-only mount: discovery never writes.
        user: "0",
        hostMounts: [{ source: args.dockerSocket, target: PROMETHEUS_DOCKER_SOCKET }],
        // The image is busybox-based: its wget asks Prometheus' own readiness endpoint.
        healthcheck: wgetCheck(`http://127.0.0.1:${http}${PROMETHEUS_READY_PATH}`, "20s"),
        route: { port: http },
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
