import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { serviceOf, type Service, type ServiceParts } from "./service";

/** Trace store and UI (Jaeger v2): OTLP from the collector, query API for Grafana. */
export class Jaeger extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: ServiceParts, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Jaeger", name, {}, opts);
    this.service = serviceOf(this, name, args, {
      route: { port: CATALOG.jaeger.ports.ui },
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
