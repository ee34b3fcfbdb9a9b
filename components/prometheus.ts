import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { PROMETHEUS_DATA_DIR, PROMETHEUS_READY_PATH } from "../configs/prometheus";
import { ServiceComponent, wgetCheck, type ServiceParts } from "./service";

/** Metric store: OTLP from the collector, scrapes of the stack itself and labelled containers. */
export class Prometheus extends ServiceComponent {
  constructor(name: string, args: ServiceParts, opts?: pulumi.ComponentResourceOptions) {
    const { http } = CATALOG.prometheus.ports;
    super(
      "Prometheus",
      name,
      args,
      () => ({
        volumes: [{ role: "data", containerPath: PROMETHEUS_DATA_DIR, formerIndex: 0 }],
        // Discovery goes through the socket proxy now. Still root: data volumes of 0.1 hold files
        // Prometheus wrote as root (it read the socket then), which its image user could not open.
        user: "0",
        // The image is busybox-based: its wget asks Prometheus' own readiness endpoint.
        healthcheck: wgetCheck(`http://127.0.0.1:${http}${PROMETHEUS_READY_PATH}`, "20s"),
        route: { port: http },
      }),
      opts,
    );
  }
}
