import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { LOKI_DATA_DIR } from "../configs/loki";
import { ServiceComponent, type ServiceParts } from "./service";

/** Log store: OTLP logs from the collector, LogQL for Grafana. */
export class Loki extends ServiceComponent {
  constructor(name: string, args: ServiceParts, opts?: pulumi.ComponentResourceOptions) {
    super(
      "Loki",
      name,
      args,
      () => ({
        volumes: [{ role: "data", containerPath: LOKI_DATA_DIR, formerIndex: 0 }],
        // The image is distroless (no shell, no wget since 3.6); `loki -health` probes /ready itself.
        healthcheck: { test: ["CMD", "/usr/bin/loki", "-health"], startPeriod: "30s" },
        route: { port: CATALOG.loki.ports.http },
      }),
      opts,
    );
  }
}
