import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { JAEGER_DATA_DIR } from "../configs/jaeger";
import { serviceOf, type Service, type ServiceParts } from "./service";

export interface JaegerArgs extends ServiceParts {
  /** Badger keeps traces on a named volume; memory keeps nothing. */
  persistent: boolean;
}

/** Trace store and UI (Jaeger v2): OTLP from the collector, query API for Grafana. */
export class Jaeger extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Jaeger", name, {}, opts);
    this.service = serviceOf(this, name, args, {
      volumes: args.persistent ? [{ role: "data", containerPath: JAEGER_DATA_DIR, formerIndex: 0 }] : [],
      // A fresh named volume at a path absent from the image is root-owned; the image's
      // user 10001 could not write badger files there. (A one-shot chown container would
      // avoid root, at the cost of a container Pulumi re-creates on every refresh.)
      user: args.persistent ? "0" : undefined,
      route: { port: CATALOG.jaeger.ports.ui },
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
