import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { certificateRulesFile } from "../configs/certificate-rules";
import { PROMETHEUS_CLIENT_PASSWORD_PATH, PROMETHEUS_WEB_CONFIG_PATH } from "../configs/prometheus";
import { filesOf, serviceOf, type Service, type ServiceParts } from "./service";
import type { WebAuthArgs } from "./web-auth";

export interface PrometheusArgs extends ServiceParts, WebAuthArgs {
  /** The CA's validity end (RFC 3339): its expiry alert counts down to it. */
  caNotAfter: pulumi.Input<string>;
  /** Caps every alert rule's `for` (`alerting.maxFor`). */
  maxFor?: string;
  /** Jaeger's OTLP certificate's validity end, when it has one: its expiry alert counts down to it. */
  jaegerNotAfter?: pulumi.Input<string>;
  /** The swarm's mTLS certificates' earlier validity end (fleet.mode swarm): their expiry alert counts down to it. */
  fleetNotAfter?: pulumi.Input<string>;
}

/** Metric store: OTLP from the collector, scrapes of the stack itself and labelled containers. */
export class Prometheus extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Prometheus", name, {}, opts);
    this.service = serviceOf(this, name, args, {
      files: pulumi
        .all([args.caNotAfter, args.jaegerNotAfter, args.fleetNotAfter])
        .apply(([caNotAfter, jaeger, fleet]) => [certificateRulesFile(caNotAfter, args.maxFor, { jaeger, fleet })]),
      route: { port: CATALOG.prometheus.ports.http },
      secretFiles: filesOf([
        [PROMETHEUS_WEB_CONFIG_PATH, args.webConfig],
        [PROMETHEUS_CLIENT_PASSWORD_PATH, args.clientPassword],
      ]),
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
