import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { serviceOf, type Service, type ServiceParts } from "./service";

/** Log store: OTLP logs from the collector, LogQL for Grafana. */
export class Loki extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: ServiceParts, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Loki", name, {}, opts);
    this.service = serviceOf(this, name, args, {
      route: { port: CATALOG.loki.ports.http },
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
