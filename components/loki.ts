import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { LOKI_DATA_DIR } from "../configs/loki";
import type { Rendered } from "./render";
import { Service, type ServiceBase } from "./service";

export interface LokiArgs {
  base: ServiceBase;
  rendered: Rendered;
}

/** Log store: OTLP logs from the collector, LogQL for Grafana. */
export class Loki extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Loki", name, {}, opts);
    this.service = new Service(
      `${name}-service`,
      {
        ...args.base,
        ...args.rendered,
        volumes: [{ role: "data", containerPath: LOKI_DATA_DIR, formerIndex: 0 }],
        // The image is distroless (no shell, no wget since 3.6); `loki -health` probes /ready itself.
        healthcheck: { test: ["CMD", "/usr/bin/loki", "-health"], startPeriod: "30s" },
        route: { port: CATALOG.loki.ports.http },
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
