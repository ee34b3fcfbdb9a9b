import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { JAEGER_HTPASSWD_PATH } from "../configs/jaeger";
import { secretFilesOf, serviceOf, type Service, type ServiceParts } from "./service";

export interface JaegerArgs extends ServiceParts {
  /** The query's htpasswd (configs/web-auth.ts), when its route is guarded. Secret. */
  htpasswd?: pulumi.Input<string>;
}

/** Trace store and UI (Jaeger v2): OTLP from the collector, query API for Grafana. */
export class Jaeger extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Jaeger", name, {}, opts);
    this.service = serviceOf(this, name, args, {
      route: { port: CATALOG.jaeger.ports.ui },
      // Its query API checks the operator's login (which Traefik forwards) and the stack client's.
      secretFiles: secretFilesOf([[JAEGER_HTPASSWD_PATH, args.htpasswd]]),
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
