import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { PROMETHEUS_DATA_DIR } from "../configs/prometheus";
import { serviceOf, type Service, type ServiceParts } from "./service";

/** Metric store: OTLP from the collector, scrapes of the stack itself and labelled containers. */
export class Prometheus extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: ServiceParts, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Prometheus", name, {}, opts);
    this.service = serviceOf(this, name, args, {
      volumes: [{ role: "data", containerPath: PROMETHEUS_DATA_DIR, formerIndex: 0 }],
      // Discovery goes through the socket proxy now. Still root: data volumes of 0.1 hold files
      // Prometheus wrote as root (it read the socket then), which its image user could not open.
      user: "0",
      route: { port: CATALOG.prometheus.ports.http },
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
