import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import {
  JAEGER_HTPASSWD_PATH,
  JAEGER_OTLP_CERT_PATH,
  JAEGER_OTLP_HTPASSWD_PATH,
  JAEGER_OTLP_KEY_PATH,
} from "../configs/jaeger";
import type { SignedPair } from "./certificates";
import { filesOf, serviceOf, type Service, type ServiceParts } from "./service";

export interface JaegerArgs extends ServiceParts {
  /** The query's htpasswd (configs/web-auth.ts), when its route is guarded. Secret. */
  htpasswd?: pulumi.Input<string>;
  /** The OTLP receivers' TLS pair and htpasswd (the stack client alone), with the query's. */
  otlp?: { tls: SignedPair; htpasswd: pulumi.Input<string> };
}

/** Trace store and UI (Jaeger v2): OTLP from the collector, query API for Grafana. */
export class Jaeger extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Jaeger", name, {}, opts);
    const { otlp } = args;
    this.service = serviceOf(this, name, args, {
      route: { port: CATALOG.jaeger.ports.ui },
      files: filesOf([[JAEGER_OTLP_CERT_PATH, otlp?.tls.certPem]]),
      // Its query API checks the operator's login (which Traefik forwards) and the stack client's;
      // its OTLP receivers the stack client's alone.
      secretFiles: filesOf([
        [JAEGER_HTPASSWD_PATH, args.htpasswd],
        [JAEGER_OTLP_HTPASSWD_PATH, otlp?.htpasswd],
        [JAEGER_OTLP_KEY_PATH, otlp?.tls.keyPem],
      ]),
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
